// @ts-check
// What the profile pages share: the shapes of the profiles API (docs/api.md, "Profiles"),
// who each audience is in words, a value in words, and fields grouped by section.

/**
 * @typedef {{value: string, label: string}} Option
 * @typedef {{
 *   key: string, label: string, help: string, kind: string, unit: string,
 *   section: string, section_label: string, order: number, required: boolean,
 *   display_field: boolean, default_audience: string, minimum: number | null,
 *   maximum: number | null, pattern: string, allow_future: boolean, options: Option[],
 *   retired: boolean, value: any, audience: string, updated_at: string | null
 * }} Field
 * @typedef {{
 *   customer: {id: number, name: string}, version: number, onboarding_step: string,
 *   onboarded_at: string | null, fields: Field[]
 * }} Profile
 * @typedef {{
 *   id: number, key: string, label: string, kind: string, changed_at: string,
 *   changed_by: {id: number, name: string} | null, old_value: any, new_value: any,
 *   old_audience: string, new_audience: string
 * }} Change
 */

/** Who sees a field, in words. */
export const AUDIENCES = /** @type {Record<string, string>} */ ({
  only_me: "Only me",
  care_team: "My care team",
  community: "My care team and my community profile",
});

/** @param {Field | undefined} field @param {unknown} value */
function optionLabel(field, value) {
  const option = field ? field.options.find((o) => o.value === value) : undefined;
  return option ? option.label : String(value);
}

/**
 * A value in words ("Vegan", "Peanuts, Sesame", "7.5 h", "Yes"); "" when not given.
 * @param {Field | undefined} field @param {any} value
 */
export function valueText(field, value) {
  if (value === null || value === undefined || value === "") return "";
  const kind = field ? field.kind : "";
  if (kind === "choice") return optionLabel(field, value);
  if (kind === "multi_choice" && Array.isArray(value)) {
    return value.map((v) => optionLabel(field, v)).join(", ");
  }
  if (kind === "boolean") return value ? "Yes" : "No";
  if (kind === "number" && field && field.unit) return value + " " + field.unit;
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

/**
 * Fields grouped by section, in the order the server sent them (page order).
 * @param {Field[]} fields @returns {{section: string, label: string, fields: Field[]}[]}
 */
export function bySection(fields) {
  /** @type {Map<string, {section: string, label: string, fields: Field[]}>} */
  const groups = new Map();
  for (const field of fields) {
    const section = field.retired ? "_retired" : field.section;
    let group = groups.get(section);
    if (!group) {
      group = { section, label: field.retired ? "No longer asked" : field.section_label, fields: [] };
      groups.set(section, group);
    }
    group.fields.push(field);
  }
  return [...groups.values()];
}
