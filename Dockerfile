# syntax=docker/dockerfile:1
#
# ServiceKonto web service image.
#   docker build -t servicekonto .
#   docker run -p 8000:8000 -e SERVICEKONTO_SECRET_KEY=… -e SERVICEKONTO_ISSUER=https://… \
#     -e SERVICEKONTO_DATABASE_URL=postgresql+psycopg://… -v servicekonto-data:/srv/servicekonto/var \
#     -e SERVICEKONTO_TRUSTED_PROXIES=<address of your reverse proxy> servicekonto
# Migrate first with the same image: `docker run … servicekonto servicekonto db upgrade`.
# Behind a reverse proxy (the normal case: it terminates TLS), set SERVICEKONTO_TRUSTED_PROXIES
# to the proxy's address as this container sees it (e.g. the Docker network gateway, 172.17.0.1,
# or a comma list); only then are its X-Forwarded-For/-Proto honoured, so per-IP limits and the
# /metrics allow-list see the real client. Never `*` when the port is reachable without the proxy.
# Outside dev mode the service refuses to start without a real secret and an https issuer.

# --- builder: the project's wheel, then wheels of every dependency ----------------------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
# What the wheel is built from (sources, migrations and package data all live under src/).
COPY pyproject.toml setup.py README.md ./
COPY src ./src
RUN python -m pip install --upgrade pip \
 && python -m pip wheel --no-deps --wheel-dir /dist . \
 && python -m pip wheel --wheel-dir /wheels /dist/servicekonto-*.whl

# --- runtime -------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 servicekonto \
 && useradd --system --uid 10001 --gid 10001 --home-dir /srv/servicekonto \
      --no-create-home --shell /usr/sbin/nologin servicekonto

RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links=/wheels servicekonto

# The migrations ship inside the wheel: `servicekonto db upgrade` works from any directory.
WORKDIR /srv/servicekonto
RUN mkdir -p var && chown servicekonto:servicekonto var

ENV SERVICEKONTO_DATA_DIR=/srv/servicekonto/var \
    SERVICEKONTO_WORKERS=2 \
    SERVICEKONTO_TRUSTED_PROXIES=127.0.0.1
# Mails, letter PDFs and (without DATABASE_URL) the SQLite file: keep them across containers and
# back them up with the database (README "Backup and restore").
VOLUME ["/srv/servicekonto/var"]

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

USER servicekonto
CMD ["servicekonto", "serve", "--host", "0.0.0.0", "--port", "8000"]
