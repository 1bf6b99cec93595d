FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python DATA_DIR=/app/var SERVER_MODE=production
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && useradd --system --home /app app && mkdir -p var && chown app var
USER app
EXPOSE 8000
CMD ["./scripts/serve"]
