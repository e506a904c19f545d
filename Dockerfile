# Custodia API and worker image (the same image runs `custodia serve`,
# `custodia worker` and `custodia migrate`; see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user with a fixed uid/gid, so file ownership on a shared
# natives volume (NFS) is the same on every machine that runs a worker.
RUN groupadd --system --gid 10001 custodia \
 && useradd --system --uid 10001 --gid custodia --create-home \
        --home-dir /home/custodia --shell /usr/sbin/nologin custodia

# WeasyPrint (letters to requesters as PDF) draws text with Pango; DejaVu is the letters' font.
# tesseract (Apache-2.0) reads scanned PDFs and images (ingest/extract/ocr.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
        tesseract-ocr tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
# Every dependency has a binary wheel (psycopg[binary], argon2-cffi, ...),
# so no compiler is needed in the image.
RUN pip install /app \
 && mkdir -p /data \
 && chown custodia:custodia /data

ENV CUSTODIA_DATA_DIR=/data
USER custodia

EXPOSE 8000
CMD ["custodia", "serve", "--host", "0.0.0.0", "--port", "8000"]
