// @ts-check
// The trend chart of one test: its values over time as a line, the reference band as two
// lines filled between (or above or below one bound), drawn by Chart.js (vendored under
// vendor/, loaded as a classic script before the page's modules: the global `Chart`).
// The canvas is named in words (its aria-label: the test, how many values, the span, the
// latest and the band) and the table of values under it is its text alternative.

/**
 * @typedef {{low: number | null, high: number | null, critical_low: number | null, critical_high: number | null}} Range
 * @typedef {{t: string, v: number, i: string}} Point
 * @typedef {{test: string, unit: string, unit_label: string, decimals: number, range: Range | null,
 *   count: number, downsampled: boolean, points: Point[]}} Series
 * @typedef {{x: number, y: number}} XY
 */

/** The global the vendored UMD build defines, typed by the package's own definitions. */
const Chart = /** @type {typeof import("chart.js").Chart} */ (
  /** @type {any} */ (window).Chart
);

/** What an interpretation means, in words (never by colour alone). */
export const MEANINGS = /** @type {Record<string, string>} */ ({
  normal: "Normal",
  high: "High ▲",
  low: "Low ▼",
  critical_high: "Critically high ▲▲",
  critical_low: "Critically low ▼▼",
  "": "No range",
});

/** @param {number} value @param {number} decimals */
export function number(value, decimals) {
  return value.toLocaleString(undefined, {
    minimumFractionDigits: 0,
    maximumFractionDigits: Math.max(0, decimals),
  });
}

/** @param {Range | null} range @param {string} unit @param {number} decimals */
export function rangeText(range, unit, decimals) {
  if (!range || (range.low === null && range.high === null)) return "";
  const f = (/** @type {number} */ x) => number(x, decimals);
  if (range.low !== null && range.high !== null) {
    return "normal " + f(range.low) + " to under " + f(range.high) + " " + unit;
  }
  if (range.low !== null) return "normal from " + f(range.low) + " " + unit;
  return "normal under " + f(/** @type {number} */ (range.high)) + " " + unit;
}

/** @param {number} ms */
function day(ms) {
  return new Date(ms).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** @type {import("chart.js").Chart | null} */
let chart = null;

/** Take the chart away, and what it held (access to the record ended). */
export function clearTrend() {
  if (chart) chart.destroy();
  chart = null;
}

/**
 * Draw ``series`` of the test named ``name`` on ``canvas`` (replacing what was drawn).
 * @param {HTMLCanvasElement} canvas @param {HTMLElement} summary
 * @param {Series} series @param {string} name
 */
export function drawTrend(canvas, summary, series, name) {
  const points = series.points.map((p) => ({ x: Date.parse(p.t), y: p.v }));
  const unit = series.unit_label;
  const range = series.range;
  /** @type {import("chart.js").ChartDataset<"line", XY[]>[]} */
  const datasets = [];
  if (points.length > 0 && range && (range.low !== null || range.high !== null)) {
    const first = points[0].x;
    const last = points[points.length - 1].x === first ? first + 86400000 : points[points.length - 1].x;
    const band = "rgba(36, 102, 63, 0.14)";
    const edge = "rgba(36, 102, 63, 0.55)";
    const line = (/** @type {number} */ y) => [{ x: first, y }, { x: last, y }];
    if (range.low !== null && range.high !== null) {
      datasets.push({ label: "Reference range, low", data: line(range.low), borderColor: edge,
        borderWidth: 1, borderDash: [4, 4], pointRadius: 0, fill: false });
      datasets.push({ label: "Reference range", data: line(range.high), borderColor: edge,
        borderWidth: 1, borderDash: [4, 4], pointRadius: 0, fill: "-1", backgroundColor: band });
    } else {
      const bound = /** @type {number} */ (range.low !== null ? range.low : range.high);
      datasets.push({ label: "Reference range", data: line(bound), borderColor: edge,
        borderWidth: 1, borderDash: [4, 4], pointRadius: 0,
        fill: range.low !== null ? "end" : "start", backgroundColor: band });
    }
  }
  const many = points.length > 120;
  datasets.push({
    label: name + " (" + unit + ")",
    data: points,
    borderColor: "#1d2a22",
    backgroundColor: "#1d2a22",
    borderWidth: many ? 1 : 2,
    pointRadius: many ? 0 : 3,
    pointHoverRadius: 4,
    pointStyle: series.points.map((p) => (p.i === "normal" || p.i === "" ? "circle" : "triangle")),
    pointRotation: series.points.map((p) => (p.i.endsWith("low") ? 180 : 0)),
    tension: 0,
    fill: false,
  });
  if (chart) chart.destroy();
  chart = new Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: points.length ? points[0].x : undefined,
          max: points.length ? points[points.length - 1].x : undefined,
          ticks: { maxTicksLimit: 4, callback: (v) => day(Number(v)) },
        },
        y: { title: { display: true, text: unit } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.datasetIndex === datasets.length - 1,
          callbacks: {
            title: (items) => (items.length ? day(items[0].parsed.x ?? 0) : ""),
            label: (item) => {
              const point = series.points[item.dataIndex];
              return number(item.parsed.y ?? 0, series.decimals) + " " + unit + ", " +
                (MEANINGS[point ? point.i : ""] || "");
            },
          },
        },
      },
    },
  });
  const words = describe(series, name);
  canvas.setAttribute("aria-label", words);
  summary.textContent = words;
}

/** The chart in words. @param {Series} series @param {string} name */
function describe(series, name) {
  const unit = series.unit_label;
  if (series.points.length === 0) return "Trend of " + name + ": no values yet.";
  const first = series.points[0];
  const last = series.points[series.points.length - 1];
  const band = rangeText(series.range, unit, series.decimals);
  return (
    "Trend of " + name + ": " + series.count + (series.count === 1 ? " value" : " values") +
    " from " + day(Date.parse(first.t)) + " to " + day(Date.parse(last.t)) +
    (series.downsampled ? " (the lowest and highest of each period drawn)" : "") +
    "; the latest " + number(last.v, series.decimals) + " " + unit +
    ", " + (MEANINGS[last.i] || "").replace(/ [▲▼]+$/, "").toLowerCase() + "." +
    (band ? " The band is the reference range, " + band + "." : "")
  );
}
