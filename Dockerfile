# Accord application image: the API (uvicorn), the Temporal worker and the
# one-shot `accord migrate` job all run from this image (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH=/app: the API (uvicorn imports from the working directory), the
# worker and the `accord` console script all run the one copy of the code in
# /app rather than a mix of /app and site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Project metadata and sources; Alembic migrations live in accord/migrations.
# (tests, bench and local state are excluded by .dockerignore.)
COPY pyproject.toml README.md alembic.ini ./
COPY accord/ ./accord/
COPY api/ ./api/
COPY workflows/ ./workflows/
COPY activities/ ./activities/
COPY worker.py ./

# Install the project and its dependencies, then add a non-root user that owns
# Accord's default data dir (.accord, relative to WORKDIR) and nothing else.
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && groupadd --gid 10001 accord \
    && useradd --create-home --uid 10001 --gid 10001 accord \
    && mkdir -p /app/.accord \
    && chown accord:accord /app/.accord

# Numeric, so orchestrators can verify the container runs as non-root.
USER 10001:10001

EXPOSE 8000

# docker-compose.yml sets the command per service; this default serves the API.
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
