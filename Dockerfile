# The pac-grants worker image (docs/operations.md s1, the compose stack; issue 5).
# Build:  docker build -t pac-grants .      Run: docker run pac-grants worker
# Stage 1 builds wheels for the package and every dependency (a compiler is there in
# case a dependency has no wheel for this platform); stage 2 installs them offline into
# a slim image that runs as an unprivileged user.
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pac_grants ./pac_grants
COPY models ./models
COPY streams ./streams
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PAC_METRICS_PORT=9108
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels pac-grants \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/pac-grants --create-home pac
USER 10001
WORKDIR /var/lib/pac-grants
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/metrics' % os.environ.get('PAC_METRICS_PORT', '9108'), timeout=4)"
ENTRYPOINT ["pac-grants"]
CMD ["worker"]
