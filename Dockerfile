# syntax=docker/dockerfile:1
# hedgegraph: one image, three entry points (compose.yaml runs each as its own service):
#   serve --host 0.0.0.0   the HTTP API (the default command; needs HEDGEGRAPH_API_KEY)
#   scheduler              the autonomy daemon
#   db upgrade             the migrations, run once before the other two start
#
# Why two stages: the build stage has pip's caches, the source tree and the build backend; the
# runtime stage gets only the finished virtual environment, so nothing but the installed package
# ships. Why no secrets here: credentials come from the environment compose builds from the
# operator's env file at start; HEDGEGRAPH_ENV_FILE="" stops the CLI reading any .env it finds
# in its working folder, and .dockerignore keeps every .env out of the build context.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/hedgegraph
COPY pyproject.toml README.md LICENSE ./
COPY domain ./domain
COPY config ./config
COPY tools ./tools
COPY agents ./agents
COPY mazo_bridge ./mazo_bridge
COPY graph ./graph
COPY api ./api
# The project itself, from this source tree, with its declared lower bounds (pyproject.toml).
# hadolint ignore=DL3013
RUN /opt/hedgegraph/bin/pip install --no-cache-dir '.[all]'

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/hedgegraph/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEDGEGRAPH_HOME=/data \
    HEDGEGRAPH_ENV_FILE=""
RUN groupadd --system --gid 10001 hedgegraph \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin hedgegraph \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /opt/hedgegraph /opt/hedgegraph
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Healthy means ready to run a cycle: /ready checks the database, the checkpointer, Redis when
# configured and the broker's clock, and answers 503 naming the failing part otherwise.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:8000/ready', timeout=8).status == 200 else 1)"]
ENTRYPOINT ["hedgegraph"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
