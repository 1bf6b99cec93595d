FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python DATA_DIR=/app/var SERVER_MODE=production
WORKDIR /app
# The locked dependencies first, each checked against its hash: this layer is rebuilt only
# when requirements.txt changes. Then the project itself, not editable, adding nothing.
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN pip install --no-cache-dir --no-deps . && useradd --system --home /app app && mkdir -p var && chown app var
USER app
EXPOSE 8000
CMD ["./scripts/serve"]
