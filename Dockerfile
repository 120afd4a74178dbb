# Caliber service image: `docker build -t caliber . && docker run -p 8000:8000 -v caliber-data:/srv/caliber/data caliber`
# Stage 1 builds wheels for Caliber and every dependency (compilers stay here); stage 2 installs only the
# wheels into a slim image and runs `caliber serve` as an unprivileged user.

FROM python:3.11-slim AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY pyproject.toml README.md ./
COPY catalog ./catalog
COPY app ./app
# catalog/store/migrations links to ./migrations: the wheel carries the Alembic scripts from there.
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"


FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALIBER_DATABASE_URL=sqlite:////srv/caliber/data/caliber.db \
    CALIBER_WAREHOUSE_PATH=/srv/caliber/data/demo.duckdb \
    CALIBER_DEFS_PATH=/srv/caliber/metric_defs
RUN groupadd --system caliber && useradd --system --gid caliber --home-dir /srv/caliber caliber
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "caliber[postgres]" && rm -rf /wheels
WORKDIR /srv/caliber
COPY metric_defs ./metric_defs
RUN mkdir data && chown -R caliber:caliber /srv/caliber
USER caliber
VOLUME ["/srv/caliber/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["caliber", "serve", "--host", "0.0.0.0"]
