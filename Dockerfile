FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python DATA_DIR=/app/var SERVER_MODE=production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY accounts ./accounts
COPY realtime ./realtime
COPY web ./web
COPY manage.py ./
COPY scripts ./scripts
RUN pip install --no-cache-dir . && useradd --system --home /app app && mkdir -p var && chown app var
USER app
EXPOSE 8000
CMD ["./scripts/serve"]
