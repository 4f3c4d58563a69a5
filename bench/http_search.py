"""What the HTTP search endpoint adds to the index's own time.

    python bench/http_search.py [--documents 20000] [--repeat 200]

Builds a data folder of labelled documents (text recombined from the corpus's
Chinese review and news sets plus English lines), starts ``filewarden serve`` on a
free loopback port, and times the same queries in process (index only, and the
whole search with snippets) and over HTTP, printing p50 and p95 of each.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from indexer.types import SearchRequest
from search_api.database import utc_now
from search_api.searching import SearchParams, search_documents
from search_api.service import Filewarden
from search_api.settings import Settings
from search_api.worker import repair_index

QUERIES = ("酒店", "味道 不错", '"送餐很快"', "invoice", "(酒店 OR 宾馆) -价格")
CATEGORIES = ("contract", "financial", "technical", "feedback", "other")
ENGLISH = (
    "The invoice for the March delivery is attached.",
    "Please confirm the payment terms of the service agreement.",
    "The valve assembly failed the pressure test at 40 bar.",
)


def corpus_lines(corpus: Path) -> list[str]:
    lines = []
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        text = (corpus / "dataset" / name).read_text(encoding="utf-8", errors="ignore")
        lines += [line.split(",", 1)[-1] for line in text.splitlines()[1:]]
    return [line for line in lines if line.strip()] + list(ENGLISH) * 500


def seed(app: Filewarden, count: int, lines: list[str]) -> None:
    rng = random.Random(0)
    now = utc_now()
    # Labelled by the current model, so the server does not relabel them all
    # at start-up while it is being measured.
    version = app.classifier.version
    rows, texts = [], []
    for n in range(1, count + 1):
        text = " ".join(rng.choice(lines) for _ in range(rng.randint(1, 12)))
        sha = hashlib.sha256(f"{n}{text}".encode()).hexdigest()
        rows.append(
            (
                n,
                sha,
                f"customer {n % 40}",
                f"doc-{n}.txt",
                now,
                f"doc {n}",
                CATEGORIES[n % len(CATEGORIES)],
                version,
                now,
            )
        )
        texts.append((n, text))
    with app.db.connect() as conn:
        conn.executemany(
            "INSERT INTO documents (id, sha256, customer, original_filename, "
            "size_bytes, channel, received_at, state, mime_type, title, language, "
            "category, category_confidence, category_source, sensitivity, "
            "sensitivity_confidence, sensitivity_source, model_version, updated_at) "
            "VALUES (?, ?, ?, ?, 100, 'folder', ?, 'classified', 'text/plain', ?, "
            "'zh', ?, 0.9, 'model', 'internal', 0.9, 'model', ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO document_texts (document_id, text) VALUES (?, ?)", texts
        )
    repair_index(app)


def percentiles(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search_api",
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--port", type=int, default=18765)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="fw-http-")) / "data"
    app = Filewarden(Settings(data_dir=data_dir))
    seed(app, args.documents, corpus_lines(Settings().corpus_dir))
    server = serve(data_dir, args.port)
    client = httpx.Client(base_url=f"http://127.0.0.1:{args.port}")
    print(f"{args.documents} documents; p50 / p95 in ms over {args.repeat} runs")
    print(f"{'query':24s} {'index':>13s} {'whole search':>13s} {'HTTP':>13s}")
    try:
        for query in QUERIES:
            index = percentiles(
                lambda q=query: app.index.search(SearchRequest(query=q)), args.repeat
            )
            whole = percentiles(
                lambda q=query: search_documents(app, SearchParams(q=q)), args.repeat
            )
            http = percentiles(
                lambda q=query: client.get("/search", params={"q": q}), args.repeat
            )
            print(
                f"{query:24s} "
                + " ".join(f"{a:6.1f}/{b:6.1f}" for a, b in (index, whole, http))
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
