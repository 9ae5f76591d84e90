# hedgegraph engine image. Runs the CLI; state goes to /data (mount a volume to keep it).
# Deployment (compose with Postgres and Redis, the API server) is a later issue.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEDGEGRAPH_HOME=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY agents ./agents
COPY tools ./tools
COPY mazo_bridge ./mazo_bridge
COPY api ./api
COPY config ./config
RUN pip install --no-cache-dir '.[all]' && useradd --create-home hedgegraph && mkdir -p /data \
    && chown hedgegraph /data

USER hedgegraph
VOLUME ["/data"]
ENTRYPOINT ["hedgegraph"]
CMD ["run", "--tickers", "AAPL,MSFT,NVDA"]
