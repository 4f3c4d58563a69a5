# The Filewarden API for compose.yaml; the same steps as scripts/install.sh.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng poppler-utils \
       catdoc libarchive-tools curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir .
ENV FILEWARDEN_DATA_DIR=/data
EXPOSE 8000
CMD ["filewarden", "serve", "--host", "0.0.0.0", "--port", "8000"]
