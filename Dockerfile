# goldtrace services image (gateway, custody workers, ledger, query) for docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY events ./events
COPY services ./services
COPY infra ./infra
COPY contracts ./contracts
RUN pip install --no-cache-dir . && useradd --system --uid 10001 goldtrace && mkdir -p /data && chown goldtrace /data
USER goldtrace
ENV GOLDTRACE_HOME=/data PYTHONUNBUFFERED=1
