"""Benchmark: the embedded tantivy index against SQLite FTS5 on the same tokens.

Documents are built from the Chinese datasets of the shared corpus (news
titles, take-away and hotel reviews, several lines per document) and English
sentences from Python's bundled help topics, with random labels. Both engines
index Filewarden's own token strings, so they differ only as engines.

    python bench/search.py --documents 100000 --workdir /tmp/fw-bench
    python bench/search.py --documents 20000 --compare-pretokenized
    python bench/search.py --scale --documents 1000000 --workdir /tmp/fw-bench
    python bench/search.py --backend opensearch --url http://127.0.0.1:9200

With ``--backend opensearch`` the same documents and searches also run on the
OpenSearch node at ``--url`` (indices under a throwaway prefix, deleted after),
and a table compares it with the embedded index of the same run.
"""

from __future__ import annotations

import argparse
import csv
import logging
import pydoc_data.topics
import random
import re
import shutil
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Final

import tantivy
from opensearchpy import OpenSearch

from indexer import analysis
from indexer.embedded import EmbeddedIndex, build_schema, tokens_analyzer
from indexer.opensearch import OpenSearchIndex
from indexer.plan import Cursor, encode_cursor, index_fields, received_order
from indexer.types import FACET_FIELDS, IndexDocument, SearchRequest
from search_api.settings import Settings

logger = logging.getLogger(__name__)

BATCH_DOCUMENTS: Final = 10_000
ENGLISH_SHARE: Final = 0.3
REPEATS: Final = 30
QUERIES: Final = (
    "味道",
    "酒店 服务",
    "房间 -价格",
    '"送餐很快"',
    "价格",
    "function",
    '"return value"',
    "class OR module",
    "味道 OR function",
)
CATEGORIES: Final = ("contract", "financial", "technical", "feedback", "other")
SENSITIVITIES: Final = ("public", "internal", "confidential", "personal")
FILE_TYPES: Final = ("pdf", "docx", "xlsx", "eml", "txt", "png")


def chinese_lines(dataset: Path) -> list[str]:
    """Lines of text from THUCNews titles and the two review sets."""
    lines: list[str] = []
    for path in sorted(dataset.glob("THUCNews_*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            title = line.split("\t")[0].strip()
            if len(title) > 4:
                lines.append(title)
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        with (dataset / name).open(encoding="utf-8") as handle:
            lines.extend(
                row["review"] for row in csv.DictReader(handle) if row["review"]
            )
    return lines


def english_sentences() -> list[str]:
    """Sentences of Python's help topics, a few hundred kilobytes of English."""
    text = " ".join(pydoc_data.topics.topics.values())
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [sentence for sentence in sentences if len(sentence) > 20]


def documents(
    count: int, chinese: list[str], english: list[str]
) -> Iterator[IndexDocument]:
    """``count`` documents of 3 to 8 lines each, with random labels."""
    rng = random.Random(42)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        is_english = rng.random() < ENGLISH_SHARE
        source = english if is_english else chinese
        lines = rng.sample(source, rng.randint(3, 8))
        yield IndexDocument(
            id=number,
            title=lines[0][:60],
            text="\n".join(lines),
            original_filename=f"document-{number}.{rng.choice(FILE_TYPES)}",
            customer=f"customer {rng.randint(1, 60):02d}",
            category=rng.choice(CATEGORIES),
            sensitivity=rng.choice(SENSITIVITIES),
            file_type=rng.choice(FILE_TYPES),
            language="en" if is_english else "zh",
            received_at=start + timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
            owner=f"user{rng.randint(1, 20)}",
            groups=[f"group{rng.randint(1, 5)}"],
        )


def folder_bytes(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def report(engine: str, label: str, total: int, samples: list[float]) -> None:
    p50, p95 = percentiles(samples)
    print(f"  {engine:11}{label:24} hits {total:6d}  p50 {p50:6.1f}  p95 {p95:6.1f} ms")


def timed(action: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    action()  # warm caches once
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


@dataclass
class Figures:
    """What one engine measured: indexing speed and, per query, hits and latency."""

    docs_per_second: float
    queries: dict[str, tuple[int, float, float]] = field(default_factory=dict)


def measured_requests() -> dict[str, SearchRequest]:
    """The searches timed on every engine, by label."""
    requests = {repr(query): SearchRequest(query=query) for query in QUERIES}
    requests["'味道' + category"] = SearchRequest(
        query="味道", filters={"category": ["feedback"]}
    )
    requests["'' newest first"] = SearchRequest(sort="received_desc")
    return requests


def measure(
    engine: str, index: EmbeddedIndex | OpenSearchIndex, docs: list[IndexDocument]
) -> Figures:
    """Index ``docs`` in batches, then time every search of ``measured_requests``."""
    started = time.perf_counter()
    for first in range(0, len(docs), BATCH_DOCUMENTS):
        index.add(docs[first : first + BATCH_DOCUMENTS])
    figures = Figures(len(docs) / (time.perf_counter() - started))

    for label, request in measured_requests().items():
        total = index.search(request).total
        samples = timed(partial(index.search, request))
        report(engine, label, total, samples)
        figures.queries[label] = (total, *percentiles(samples))
    return figures


def bench_tantivy(docs: list[IndexDocument], folder: Path) -> Figures:
    shutil.rmtree(folder, ignore_errors=True)
    figures = measure("tantivy", EmbeddedIndex(folder), docs)
    print(
        f"tantivy: {figures.docs_per_second:,.0f} docs/s, "
        f"index {folder_bytes(folder) / 2**20:.1f} MiB"
    )
    return figures


def bench_opensearch(docs: list[IndexDocument], url: str) -> Figures:
    """The same documents and searches on the OpenSearch node at ``url``."""
    client = OpenSearch(hosts=[url], timeout=120)
    prefix = f"fw-bench-{uuid.uuid4().hex[:8]}"
    try:
        index = OpenSearchIndex(client, prefix)
        figures = measure("opensearch", index, docs)
        stats = client.indices.stats(index=index.alias, metric="store")
        size = stats["_all"]["primaries"]["store"]["size_in_bytes"]
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.close()
    speed = figures.docs_per_second
    print(f"opensearch: {speed:,.0f} docs/s, index {size / 2**20:.1f} MiB")
    return figures


def print_comparison(figures: dict[str, Figures]) -> None:
    """A table with one row per measure and a p50/p95 column pair per engine."""
    engines = list(figures)
    header = " | ".join(f"{name} p50 / p95 ms" for name in engines)
    print(f"\n| measure | hits | {header} |")
    print("|---" * (2 + len(engines)) + "|")
    speeds = " | ".join(f"{figures[name].docs_per_second:,.0f}" for name in engines)
    print(f"| indexing docs/s | | {speeds} |")
    for label, (hits, *_) in figures[engines[0]].queries.items():
        cells = " | ".join(
            "{:.1f} / {:.1f}".format(*figures[name].queries[label][1:])
            for name in engines
        )
        print(f"| {label} | {hits} | {cells} |")


FTS_COLUMNS: Final = ("title_terms", "title_bigrams", "text_terms", "text_bigrams")


def bench_sqlite(docs: list[IndexDocument], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    database = sqlite3.connect(folder / "fts.sqlite3")
    columns = ", ".join(FTS_COLUMNS)
    database.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5({columns}, tokenize='unicode61')"
    )
    meta = ", ".join(f"{name} TEXT" for name in FACET_FIELDS)
    database.execute(f"CREATE TABLE meta (id INTEGER PRIMARY KEY, {meta})")
    started = time.perf_counter()
    for document in docs:
        fields = index_fields(document)
        values = [fields[name] for name in FTS_COLUMNS]
        database.execute(
            f"INSERT INTO fts(rowid, {columns}) VALUES (?, ?, ?, ?, ?)",
            [document.id, *values],
        )
        database.execute(
            f"INSERT INTO meta VALUES (?, {', '.join('?' for _ in FACET_FIELDS)})",
            [document.id, *(fields[name] for name in FACET_FIELDS)],
        )
    database.commit()
    seconds = time.perf_counter() - started
    print(
        f"sqlite fts5: {len(docs) / seconds:,.0f} docs/s, "
        f"database {folder_bytes(folder) / 2**20:.1f} MiB"
    )
    for query in ("味道", "酒店 服务", '"送餐很快"', "function", '"return value"'):
        expression = fts_expression(query)
        total = database.execute(
            "SELECT count(*) FROM fts WHERE fts MATCH ?", [expression]
        ).fetchone()[0]
        samples = timed(partial(sqlite_search, database, expression))
        report("fts5", repr(query), total, samples)


def fts_expression(query: str) -> str:
    """The FTS5 expression of the simple queries above: an AND of phrases."""
    words = [query.strip('"')] if query.startswith('"') else query.split()
    return " AND ".join(f'"{" ".join(fts_tokens(word))}"' for word in words)


def fts_tokens(text: str) -> list[str]:
    """Bigrams for CJK runs and words otherwise, as the plan would search them."""
    tokens: list[str] = []
    for segment, is_cjk in analysis.segments(text):
        tokens.extend(analysis.pair_bigrams(segment) if is_cjk else [segment])
    return tokens


def sqlite_search(database: sqlite3.Connection, expression: str) -> None:
    """Top 10 by bm25, the total and every facet, as the API would ask."""
    matched = "SELECT rowid FROM fts WHERE fts MATCH ?"
    database.execute(f"{matched} ORDER BY bm25(fts) LIMIT 10", [expression]).fetchall()
    database.execute(
        "SELECT count(*) FROM fts WHERE fts MATCH ?", [expression]
    ).fetchone()
    for name in FACET_FIELDS:
        database.execute(
            f"SELECT {name}, count(*) FROM meta "
            f"WHERE id IN ({matched}) GROUP BY {name}",
            [expression],
        ).fetchall()


def compare_pretokenized(docs: list[IndexDocument]) -> None:
    """Index the text field as a whitespace token string and as a PreTokenizedString."""
    for label, build in (
        ("whitespace string", _whitespace_document),
        ("pre-tokenized", _pretokenized_document),
    ):
        schema = build_schema()
        index = tantivy.Index(schema)
        index.register_tokenizer("filewarden_tokens", tokens_analyzer())
        writer = index.writer(WRITER_HEAP_BYTES_COMPARE, 1)
        started = time.perf_counter()
        for document in docs:
            writer.add_document(build(document))
        writer.commit()
        writer.wait_merging_threads()
        seconds = time.perf_counter() - started
        print(f"  {label:18}: {len(docs) / seconds:,.0f} docs/s (text field only)")


WRITER_HEAP_BYTES_COMPARE: Final = 128_000_000


def _whitespace_document(document: IndexDocument) -> tantivy.Document:
    streams = analysis.analyze(document.text)
    prepared = tantivy.Document()
    prepared.add_unsigned("id", document.id)
    prepared.add_text("text_terms", streams.terms_string)
    prepared.add_text("text_bigrams", streams.bigrams_string)
    return prepared


def _pretokenized_document(document: IndexDocument) -> tantivy.Document:
    streams = analysis.analyze(document.text)
    prepared = tantivy.Document()
    prepared.add_unsigned("id", document.id)
    for name, tokens in (
        ("text_terms", streams.terms),
        ("text_bigrams", streams.bigrams),
    ):
        pretokenized = [
            tantivy.Token(token, position, position, position + 1)
            for position, token in enumerate(tokens)
            if token != analysis.GAP_TOKEN
        ]
        prepared.add_pre_tokenized_text(
            name, tantivy.PreTokenizedString("", pretokenized)
        )
    return prepared


# The million-document run (--scale) -------------------------------------------

SCALE_BATCH_DOCUMENTS: Final = 50_000
SCALE_REPEATS: Final = 100
SCALE_ANALYSIS_PROCESSES: Final = 2
# (label, Filewarden query, the same search as an FTS5 expression over the
# token columns: CJK words are bigram tokens there, as in the plan)
SCALE_QUERIES: Final = (
    ("common Chinese word", "酒店", '"酒店"'),
    ("rare Chinese word", "翡翠", '"翡翠"'),
    ("Chinese phrase", '"送餐很快"', '"送餐 餐很 很快"'),
    ("English word", "function", '"function"'),
    ("boolean", "(酒店 OR 宾馆) -价格", '("酒店" OR "宾馆") NOT "价格"'),
)
# Lines per document: (share, fewest, most); from one line to a few pages.
SCALE_LENGTHS: Final = ((0.35, 1, 3), (0.4, 4, 20), (0.2, 21, 60), (0.05, 61, 200))


def scale_document(
    number: int, chinese: list[str], english: list[str]
) -> IndexDocument:
    """Document ``number``, the same in every pass (seeded by its number)."""
    rng = random.Random(number)
    is_english = rng.random() < ENGLISH_SHARE
    source = english if is_english else chinese
    lines = [rng.choice(source) for _ in range(scale_line_count(rng))]
    start = datetime(2021, 1, 1, tzinfo=UTC)
    return IndexDocument(
        id=number,
        title=lines[0][:60],
        text="\n".join(lines),
        original_filename=f"document-{number}.{rng.choice(FILE_TYPES)}",
        customer=f"customer {rng.randint(1, 200):03d}",
        category=rng.choice(CATEGORIES),
        sensitivity=rng.choice(SENSITIVITIES),
        file_type=rng.choice(FILE_TYPES),
        language="en" if is_english else "zh",
        received_at=start + timedelta(seconds=rng.randint(0, 4 * 365 * 86400)),
        owner=f"user{rng.randint(1, 50)}",
        groups=[f"group{rng.randint(1, 10)}"],
    )


def scale_line_count(rng: random.Random) -> int:
    share = rng.random()
    for weight, fewest, most in SCALE_LENGTHS:
        if share < weight:
            return rng.randint(fewest, most)
        share -= weight
    return 1


def scale_batches(
    count: int, chinese: list[str], english: list[str]
) -> Iterator[list[IndexDocument]]:
    for first in range(1, count + 1, SCALE_BATCH_DOCUMENTS):
        last = min(count, first + SCALE_BATCH_DOCUMENTS - 1)
        yield [scale_document(n, chinese, english) for n in range(first, last + 1)]


def scale_percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50, p95, p99 = (
        ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000
        for share in (0.5, 0.95, 0.99)
    )
    return f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms"


def scale_tantivy(
    count: int, sources: tuple[list[str], list[str]], folder: Path
) -> None:
    """Index ``count`` documents through EmbeddedIndex.add, then time searches."""
    shutil.rmtree(folder, ignore_errors=True)
    index = EmbeddedIndex(folder, analysis_processes=SCALE_ANALYSIS_PROCESSES)
    started, generating = time.perf_counter(), 0.0
    batches = scale_batches(count, *sources)
    while True:
        made = time.perf_counter()
        batch = next(batches, None)
        generating += time.perf_counter() - made
        if batch is None:
            break
        index.add(batch)
        logger.info("tantivy: %d documents", batch[-1].id)
    seconds = time.perf_counter() - started - generating
    print(
        f"tantivy: {count / seconds:,.0f} docs/s ({seconds:.0f} s without generating),"
        f" index {folder_bytes(folder) / 2**30:.2f} GiB"
    )
    for label, query, _ in SCALE_QUERIES:
        request = SearchRequest(query=query)
        total = index.search(request).total
        samples = timed(partial(index.search, request), SCALE_REPEATS)
        print(f"  tantivy {label:20} hits {total:7d}  {scale_percentiles(samples)}")
    scale_tantivy_extras(index, count, sources)
    index.close()


def scale_tantivy_extras(
    index: EmbeddedIndex, count: int, sources: tuple[list[str], list[str]]
) -> None:
    """Deep pages, more-like-this and suggestions on the full index."""
    deep_offset = SearchRequest(sort="received_desc", page=999, page_size=10)
    samples = timed(lambda: index.search(deep_offset), 10)
    print(f"  tantivy offset page 999 (received)   {scale_percentiles(samples)}")
    middle = scale_document(count // 2, *sources)
    cursor = encode_cursor(
        SearchRequest(sort="received_desc"),
        Cursor(key=received_order(middle), offset=count // 2),
    )
    deep_cursor = SearchRequest(sort="received_desc", cursor=cursor)
    samples = timed(lambda: index.search(deep_cursor), 10)
    label = f"cursor at hit ~{count // 2:,} (received)"
    print(f"  tantivy {label:29} {scale_percentiles(samples)}")
    for number in (11, 12345):
        text = scale_document(number, *sources).text
        found = index.similar(text, number, SearchRequest())
        samples = timed(partial(index.similar, text, number, SearchRequest()), 10)
        label = f"similar({number})"
        print(
            f"  tantivy {label:20} hits {found.total:7d}  {scale_percentiles(samples)}"
        )
    visible = SearchRequest(access={"groups": ["group3"]})
    for prefix in ("酒", "送餐", "fun", "a"):
        samples = timed(partial(index.suggest, prefix, visible), 10)
        print(
            f"  tantivy suggest({prefix!r}) group3       {scale_percentiles(samples)}"
        )


def scale_sqlite(
    count: int, sources: tuple[list[str], list[str]], folder: Path
) -> None:
    """The same documents in SQLite FTS5 (token columns) plus a facet table."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    database = sqlite3.connect(folder / "fts.sqlite3")
    database.execute("PRAGMA journal_mode=OFF")
    database.execute("PRAGMA synchronous=OFF")
    columns = ", ".join(FTS_COLUMNS)
    database.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5({columns}, tokenize='unicode61')"
    )
    meta = ", ".join(f"{name} TEXT" for name in FACET_FIELDS)
    database.execute(f"CREATE TABLE meta (id INTEGER PRIMARY KEY, {meta})")
    marks = ", ".join("?" for _ in FACET_FIELDS)

    started, generating = time.perf_counter(), 0.0
    batches = scale_batches(count, *sources)
    while True:
        made = time.perf_counter()
        batch = next(batches, None)
        generating += time.perf_counter() - made
        if batch is None:
            break
        fields = [(document.id, index_fields(document)) for document in batch]
        database.executemany(
            f"INSERT INTO fts(rowid, {columns}) VALUES (?, ?, ?, ?, ?)",
            [[i, *(f[name] for name in FTS_COLUMNS)] for i, f in fields],
        )
        database.executemany(
            f"INSERT INTO meta VALUES (?, {marks})",
            [[i, *(f[name] for name in FACET_FIELDS)] for i, f in fields],
        )
        database.commit()
        logger.info("sqlite: %d documents", batch[-1].id)
    seconds = time.perf_counter() - started - generating
    print(
        f"sqlite fts5: {count / seconds:,.0f} docs/s ({seconds:.0f} s),"
        f" database {folder_bytes(folder) / 2**30:.2f} GiB"
    )
    for label, _, expression in SCALE_QUERIES:
        total = database.execute(
            "SELECT count(*) FROM fts WHERE fts MATCH ?", [expression]
        ).fetchone()[0]
        search = partial(sqlite_search, database, expression)
        samples = timed(search, SCALE_REPEATS)
        print(f"  fts5    {label:20} hits {total:7d}  {scale_percentiles(samples)}")
    database.close()


def scale_run(count: int, workdir: Path, skip_sqlite: bool) -> None:
    """Both engines on ``count`` generated documents; removes the indexes after."""
    dataset = Settings().corpus_dir / "dataset"
    sources = (chinese_lines(dataset), english_sentences())
    sample = [scale_document(n, *sources) for n in range(1, 2001)]
    characters = statistics.mean(len(document.text) for document in sample)
    print(f"{count:,} documents, ~{characters:.0f} characters on average")
    try:
        scale_tantivy(count, sources, workdir / "scale-tantivy")
        if not skip_sqlite:
            scale_sqlite(count, sources, workdir / "scale-sqlite")
    finally:
        shutil.rmtree(workdir / "scale-tantivy", ignore_errors=True)
        shutil.rmtree(workdir / "scale-sqlite", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/filewarden-bench"))
    parser.add_argument("--compare-pretokenized", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--scale", action="store_true", help="generated documents, lines to pages"
    )
    parser.add_argument("--backend", choices=("embedded", "opensearch"))
    parser.add_argument("--url", help="OpenSearch node for --backend opensearch")
    arguments = parser.parse_args()
    if arguments.backend == "opensearch" and not arguments.url:
        parser.error("--backend opensearch needs --url")

    if arguments.scale:
        scale_run(arguments.documents, arguments.workdir, arguments.skip_sqlite)
        return
    dataset = Settings().corpus_dir / "dataset"
    docs = list(
        documents(arguments.documents, chinese_lines(dataset), english_sentences())
    )
    characters = sum(len(document.text) for document in docs)
    print(
        f"{len(docs):,} documents, {characters / len(docs):.0f} characters on average"
    )

    if arguments.compare_pretokenized:
        compare_pretokenized(docs)
        return
    figures = {"tantivy": bench_tantivy(docs, arguments.workdir / "tantivy")}
    if arguments.backend == "opensearch":
        figures["opensearch"] = bench_opensearch(docs, arguments.url)
        print_comparison(figures)
    elif not arguments.skip_sqlite:
        bench_sqlite(docs, arguments.workdir / "sqlite")


if __name__ == "__main__":
    main()
