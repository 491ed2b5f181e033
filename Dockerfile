# syntax=docker/dockerfile:1
# The bot's image: the locked dependencies (requirements.txt, every file checked against its
# hash), then the project, in a slim Python matching .python-version, run as a user without
# privileges. compose.yaml runs it as `web` and `worker` beside PostgreSQL.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/sogabot
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.txt /src/requirements.txt
RUN /opt/sogabot/bin/pip install --require-hashes -r /src/requirements.txt
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
COPY jobs /src/jobs
COPY integrations /src/integrations
COPY prompts /src/prompts
RUN /opt/sogabot/bin/pip install --no-deps /src

FROM python:3.11-slim
ENV PATH=/opt/sogabot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home sogabot
COPY --from=build /opt/sogabot /opt/sogabot
WORKDIR /app
USER 10001:10001
# SQLite (the default DATABASE_URL), the outbox and console files live under /app/data.
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"]
# Socket Mode, or HTTP mode with wsgiref when not under gunicorn; compose.yaml's web runs the
# Procfile's gunicorn command instead.
CMD ["sogabot", "run"]
