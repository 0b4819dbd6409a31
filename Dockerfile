# Stepwise for a classroom: one container, SQLite on a volume, no internet needed at run time.
# Several replicas on PostgreSQL: compose.yaml (the driver, psycopg, is in pyproject.toml).

# Plotly.js (the charts) and dagre (the graph's layout): npm installs them at
# vendor/package-lock.json's versions and checksums, in a stage of its own; only the files the
# pages load (and their licences) go into the image, which has no node. Debian's npm, as
# `make` installs it: the lock file, not npm's version, decides what is installed.
FROM python:3.11-slim-bookworm AS vendor
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /vendor
COPY vendor/package.json vendor/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STEPWISE_DATA_DIR=/data

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes do not reinstall TensorFlow.
# psycopg[binary] brings its own libpq: the slim image needs no PostgreSQL packages.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY app ./app
COPY static ./static
COPY templates ./templates
COPY --from=vendor /vendor/node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js \
    /vendor/node_modules/plotly.js-cartesian-dist-min/LICENSE \
    ./vendor/node_modules/plotly.js-cartesian-dist-min/
COPY --from=vendor /vendor/node_modules/@dagrejs/dagre/dist/dagre.esm.js \
    /vendor/node_modules/@dagrejs/dagre/dist/dagre.esm.js.LEGAL.txt \
    ./vendor/node_modules/@dagrejs/dagre/dist/
# Brotli copies of the scripts, served to browsers that accept them (app/api/precompressed.py).
RUN python -m app.api.vendor_assets

RUN groupadd --gid 10001 stepwise \
    && useradd --create-home --uid 10001 --gid 10001 stepwise \
    && mkdir -p /data \
    && chown 10001:10001 /data
USER 10001:10001

VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# One process (app/serve.py): each run's TensorFlow session lives in its memory, and the
# server's limits on request heads and slow clients apply. On SIGTERM (docker stop), open
# streams get their final event and the server exits within 3 s. Idle connections stay open
# 75 s, longer than nginx keeps its own (see the Makefile).
CMD ["python", "-m", "app.serve", "--host", "0.0.0.0", "--port", "8000", "--timeout-graceful-shutdown", "3", "--timeout-keep-alive", "75"]
