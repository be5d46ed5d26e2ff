# syntax=docker/dockerfile:1
# The production image of the investment-promotion CRM: one image for web (gunicorn), the Celery
# worker and Celery beat; only the command differs (see docker-compose.yml).
#
#   docker build -t zhaoshang-crm .
#   docker run -e SECRET_KEY=... -e ALLOWED_HOSTS=crm.example.com -e DATABASE_URL=... zhaoshang-crm
#
# Two stages: "build" has gettext and writes the static files and the compiled translations;
# the final stage only gets the results, runs as a non-root user and has DEBUG off by default.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# gettext provides msgfmt for compilemessages; it stays in this stage, not in the final image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*

# Runtime dependencies only (requirements-dev.txt is for developers and CI), every wheel pinned.
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

WORKDIR /app
COPY . .

# Settings refuse to load with DEBUG off and no strong SECRET_KEY / ALLOWED_HOSTS, so this one
# step gets throwaway values that exist only in its own environment: nothing secret is baked in,
# and the real key comes from the environment at run time. VAR_DIR points to a scratch folder so
# the build does not leave a root-owned var/ behind. DEBUG=false selects whitenoise's
# CompressedManifestStaticFilesStorage, whose manifest the running site needs.
# Translations are compiled only when the project has them (crm/locale); no locale, no step.
RUN export DEBUG=false \
           ALLOWED_HOSTS=build.invalid \
           SECRET_KEY=build-only-throwaway-key-never-used-at-run-time-0123456789abcdef \
           VAR_DIR=/tmp/build-var \
 && python manage.py collectstatic --noinput -v 1 \
 && if [ -d crm/locale ]; then python manage.py compilemessages -v 1; else echo "no crm/locale: no messages to compile"; fi \
 && python -m compileall -q -j 0 --invalidation-mode checked-hash /app \
 && rm -rf /tmp/build-var

# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# DEBUG is off unless the deployment says otherwise: without SECRET_KEY and ALLOWED_HOSTS the
# container stops at start-up with a message naming the variable to set.
# VAR_DIR holds uploads (MEDIA_ROOT = VAR_DIR/media) and beat's schedule file: mount a volume there.
# WEB_CONCURRENCY is read by gunicorn itself as its number of workers (2 x cores + 1 for 1 core;
# raise it on a bigger machine).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=false \
    VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 crm \
 && useradd --system --uid 10001 --gid crm --home-dir /app --no-create-home --shell /usr/sbin/nologin crm

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# The code stays root-owned (read-only for the app); only VAR_DIR is writable. A named volume
# mounted on /app/var starts with this ownership.
RUN mkdir -p /app/var/media \
 && chown -R crm:crm /app/var

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# /healthz answers 200 when the database and the broker are reachable, 503 otherwise (urlopen
# then raises, so the exit code is non-zero). It is exempt from the HTTPS redirect; the Host
# header is the first ALLOWED_HOSTS entry so Django's host check accepts the request.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=8)"]

CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--timeout", "60", \
     "--graceful-timeout", "30"]
