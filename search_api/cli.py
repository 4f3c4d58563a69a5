"""filewarden: take in customer files, search and label them, serve the API."""

from __future__ import annotations

import argparse
import getpass
import html
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from tqdm import tqdm

from search_api.database import PENDING_STATES
from search_api.errors import FilewardenError
from search_api.intake import CHANNELS, Receipt, receive
from search_api.labels import accept_suggestions, correct_labels, review_queue
from search_api.logs import configure_logging
from search_api.pipeline import BatchOutcome, process_batch, reextract_all, unlock
from search_api.reindex import reindex
from search_api.schemas import SearchOut
from search_api.searching import (
    SearchParams,
    document_view,
    search_documents,
    similar_documents,
    suggestions,
)
from search_api.service import Filewarden
from search_api.settings import Settings
from search_api.training import relabel, report_summary, retrain
from search_api.worker import repair_index

logger = logging.getLogger(__name__)

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``filewarden`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    try:
        return int(args.run(settings, args))
    except FilewardenError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head``) has gone; what it wanted was printed.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted; run the same command again to finish", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="filewarden", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, help="data folder (FILEWARDEN_DATA_DIR)"
    )
    parser.add_argument(
        "--log-level", default=os.environ.get("FILEWARDEN_LOG_LEVEL", "WARNING")
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for add_command in (
        _add_intake_commands,
        _add_search_commands,
        _add_label_commands,
        _add_maintenance_commands,
    ):
        add_command(commands)
    return parser


def _add_intake_commands(commands: Commands) -> None:
    ingest = commands.add_parser("ingest", help="take in files and folders")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--customer", default="")
    ingest.add_argument("--channel", default="folder", choices=CHANNELS)
    ingest.add_argument("--note")
    ingest.set_defaults(run=run_ingest)

    unlock_cmd = commands.add_parser(
        "unlock", help="give the password of an encrypted document"
    )
    unlock_cmd.add_argument("document_id", type=int)
    unlock_cmd.add_argument(
        "--password-stdin", action="store_true", help="read it from standard input"
    )
    unlock_cmd.set_defaults(run=run_unlock)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=run_serve)


def _add_search_commands(commands: Commands) -> None:
    search = commands.add_parser("search", help="search in the query language")
    search.add_argument("query", nargs="?", default="")
    for name in ("category", "sensitivity", "customer", "type", "language"):
        search.add_argument(f"--{name}", action="append")
    search.add_argument("--received-from")
    search.add_argument("--received-to")
    search.add_argument("--page", type=int, default=1)
    search.add_argument("--page-size", type=int)
    search.add_argument("--sort", default="relevance")
    search.add_argument("--cursor", help="next_cursor of the previous page")
    search.add_argument(
        "--json", action="store_true", help="print what GET /search returns"
    )
    search.set_defaults(run=run_search)

    similar = commands.add_parser("similar", help="documents like one document")
    similar.add_argument("document_id", type=int)
    similar.add_argument("--limit", type=int, default=10)
    similar.add_argument("--json", action="store_true")
    similar.set_defaults(run=run_similar)

    suggest = commands.add_parser("suggest", help="complete a title, customer or term")
    suggest.add_argument("prefix")
    suggest.add_argument("--limit", type=int, default=10)
    suggest.set_defaults(run=run_suggest)

    show = commands.add_parser("show", help="everything about one document (JSON)")
    show.add_argument("document_id", type=int)
    show.add_argument("--no-text", action="store_true", help="leave out the text")
    show.set_defaults(run=run_show)


def _add_label_commands(commands: Commands) -> None:
    label = commands.add_parser("label", help="correct or confirm a document's labels")
    label.add_argument("document_id", type=int)
    label.add_argument("--category")
    label.add_argument("--sensitivity")
    label.add_argument("--by", required=True, help="who decided")
    label.add_argument("--reason")
    label.set_defaults(run=run_label)

    review = commands.add_parser("review", help="list documents that need a person")
    review.add_argument("--limit", type=int, default=20)
    review.add_argument("--accept", type=int, metavar="ID", help="confirm its labels")
    review.add_argument("--by", default=os.environ.get("USER", "cli"))
    review.set_defaults(run=run_review)


def _add_maintenance_commands(commands: Commands) -> None:
    rebuild = commands.add_parser("reindex", help="rebuild the index from the database")
    rebuild.add_argument(
        "--reextract", action="store_true", help="extract every original again first"
    )
    rebuild.set_defaults(run=run_reindex)

    train = commands.add_parser("train", help="train the classifier from the seed set")
    train.add_argument("--seed", type=int, default=0, help="random seed")
    train.add_argument(
        "--force", action="store_true", help="promote even if it scores worse"
    )
    train.set_defaults(run=run_train)

    model = commands.add_parser("model", help="list, promote or roll back models")
    model.add_argument("action", choices=("list", "promote", "rollback"))
    model.add_argument("version", nargs="?")
    model.set_defaults(run=run_model)


def iter_files(paths: list[Path], skipped: dict[str, str]) -> Iterator[Path]:
    """Every regular file under the given files and folders, in a stable order.

    Inside folders, symbolic links are not followed (a link can lead out of the
    folder being ingested) and pipes or devices are not opened (reading a FIFO
    would wait forever); each is listed in ``skipped`` with the reason.
    """
    for path in paths:
        if path.is_dir():
            yield from _walk(path, skipped)
        elif path.is_file():
            yield path
        elif path.exists():
            skipped[str(path)] = "not a regular file (a pipe, socket or device)"
        else:
            skipped[str(path)] = "no such file or folder"


def _walk(folder: Path, skipped: dict[str, str]) -> Iterator[Path]:
    def unreadable(err: OSError) -> None:
        skipped[str(err.filename)] = f"cannot be read: {err.strerror}"

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs.sort()
        for name in dirs:
            if (Path(root) / name).is_symlink():
                skipped[str(Path(root) / name)] = (
                    "a symbolic link inside a folder (not followed)"
                )
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():
                skipped[str(path)] = "a symbolic link inside a folder (not followed)"
            elif not path.is_file():
                skipped[str(path)] = "not a regular file (a pipe, socket or device)"
            else:
                yield path


@dataclass
class IngestSummary:
    received: int = 0
    new: int = 0
    duplicate: int = 0
    already_received: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)
    outcome: BatchOutcome = field(default_factory=BatchOutcome)


def run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    summary = IngestSummary()
    files = list(iter_files(args.paths, summary.unreadable))
    app = Filewarden(settings)

    receipts = receive_files(app, files, args, summary)

    pending = [r.document_id for r in receipts if r.state in PENDING_STATES]
    pending = sorted(set(pending) | set(app.db.ids_in_states(PENDING_STATES)))
    with tqdm(
        total=len(pending), desc="processing", unit="doc", file=sys.stderr
    ) as bar:
        summary.outcome = process_batch(app, pending, lambda _id, _state: bar.update())
    repair_index(app)
    app.close()

    print_summary(summary, app)
    # Files that could not even be received are the caller's to fix; documents
    # that failed extraction are recorded outcomes, with their reasons.
    return 1 if summary.unreadable else 0


def receive_files(
    app: Filewarden, files: list[Path], args: argparse.Namespace, summary: IngestSummary
) -> list[Receipt]:
    receipts = []
    for path in tqdm(files, desc="receiving", unit="file", file=sys.stderr):
        try:
            with path.open("rb") as stream:
                receipt = receive(
                    app.db,
                    app.blobs,
                    stream,
                    path.name,
                    args.customer,
                    args.channel,
                    app.settings.max_file_size_bytes,
                    note=args.note,
                    source_path=str(path.resolve()),
                )
        except (OSError, FilewardenError) as err:
            summary.unreadable[str(path)] = getattr(err, "message", None) or str(err)
            continue
        summary.received += 1
        if receipt.already_received:
            summary.already_received += 1
        elif receipt.duplicate_of is not None:
            summary.duplicate += 1
        else:
            summary.new += 1
        receipts.append(receipt)
    return receipts


def print_summary(summary: IngestSummary, app: Filewarden) -> None:
    states = Counter(summary.outcome.states.values())
    labelled = states["indexed"] + states["classified"]
    rows = [
        ("received", summary.received),
        ("new", summary.new),
        ("duplicate", summary.duplicate),
        ("already received earlier", summary.already_received),
        ("processed (children included)", len(summary.outcome.states)),
        ("extracted", labelled),
        ("classified", labelled),
        ("indexed", states["indexed"]),
        ("encrypted (needs a password)", states["encrypted"]),
        ("failed", states["failed"]),
        ("skipped (not received)", len(summary.unreadable)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, count in rows:
        print(f"{name:<{width}}  {count:>7}")
    failures = dict(summary.unreadable)
    records = app.db.get_many(list(summary.outcome.reasons))
    for document_id, reason in sorted(summary.outcome.reasons.items()):
        record = records[document_id]
        failures[f"#{document_id} {record.original_filename}"] = (
            f"{record.state}: {reason}"
        )
    if failures:
        print("\nnot extracted or not received:")
        for name, reason in failures.items():
            print(f"  {name}: {reason}")


def run_search(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    params = SearchParams(
        q=args.query,
        category=args.category,
        sensitivity=args.sensitivity,
        customer=args.customer,
        type=args.type,
        language=args.language,
        received_from=args.received_from,
        received_to=args.received_to,
        page=args.page,
        page_size=args.page_size,
        sort=args.sort,
        cursor=args.cursor,
    )
    print_result(search_documents(app, params), args.json)
    return 0


def print_result(result: SearchOut, as_json: bool) -> None:
    """A search answer as JSON (what the API answers) or for a person."""
    if as_json:
        print(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
        return
    print(f"{result.total} documents match")
    for hit in result.hits:
        print(
            f"\n#{hit.id}  {hit.title}  [{hit.category}/{hit.sensitivity}]  "
            f"{hit.customer or '-'}  {hit.received_at[:10]}"
        )
        print(f"    {_plain_snippet(hit.snippet)}")
    for facet, counts in result.facets.items():
        shown = ", ".join(f"{value} {count}" for value, count in counts.items())
        print(f"\n{facet}: {shown}")
    if result.next_cursor:
        print(f"\nnext page: --cursor {result.next_cursor}")


def run_similar(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    print_result(
        similar_documents(app, args.document_id, SearchParams(), args.limit), args.json
    )
    return 0


def run_suggest(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    for suggestion in suggestions(app, args.prefix, args.limit):
        print(f"{suggestion.kind:8s}  {suggestion.count:>6}  {suggestion.text}")
    return 0


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from search_api.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)
    return 0


def run_train(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings)
    bars: dict[str, tqdm] = {}

    def show(phase: str, done: int, total: int) -> None:
        bar = bars.setdefault(phase, tqdm(desc=phase, total=total, file=sys.stderr))
        bar.total = total
        bar.update(done - bar.n)

    report = retrain(app, force=args.force, random_seed=args.seed, progress=show)
    for bar in bars.values():
        bar.close()
    app.close()
    print(json.dumps(report_summary(report), ensure_ascii=False, indent=2, default=str))
    return 0


def run_model(settings: Settings, args: argparse.Namespace) -> int:
    from classifier import list_models, promote, rollback

    if args.action == "list":
        for info in list_models(settings.models_dir):
            mark = "*" if info.is_current else " "
            print(
                f"{mark} {info.version}  category F1 {_score(info.category_macro_f1)}  "
                f"sensitivity F1 {_score(info.sensitivity_macro_f1)}  "
                f"{info.examples} examples"
            )
        return 0
    if args.action == "promote":
        if not args.version:
            print("error: say which version to promote", file=sys.stderr)
            return 2
        promote(settings.models_dir, args.version)
    else:
        args.version = rollback(settings.models_dir)
    app = Filewarden(settings)
    count = relabel(app)
    app.close()
    print(f"current model is {app.classifier.version}; relabelled {count} documents")
    return 0


def run_show(settings: Settings, args: argparse.Namespace) -> int:
    view = document_view(
        Filewarden(settings, create=False), args.document_id
    ).model_dump()
    if args.no_text:
        view.pop("text")
    print(json.dumps(view, ensure_ascii=False, indent=2))
    return 0


def run_label(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    record = correct_labels(
        app,
        args.document_id,
        args.by,
        category=args.category,
        sensitivity=args.sensitivity,
        reason=args.reason,
    )
    app.close()
    print(
        f"#{record.id} is now {record.category}/{record.sensitivity} (set by {args.by})"
    )
    return 0


def run_review(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    if args.accept is not None:
        record = accept_suggestions(app, args.accept, args.by)
        app.close()
        print(f"#{record.id} confirmed as {record.category}/{record.sensitivity}")
        return 0
    queue = review_queue(app, args.limit, 0)
    print(f"{len(queue)} documents need a person")
    for record in queue:
        print(
            f"#{record.id}  {record.title or record.original_filename}  "
            f"{record.category} {record.category_confidence or 0:.2f}  "
            f"{record.sensitivity} {record.sensitivity_confidence or 0:.2f}"
        )
    return 0


def _plain_snippet(snippet: str) -> str:
    """A snippet for a terminal: one line, matches in brackets, entities undone."""
    marked = snippet.replace("<mark>", "[").replace("</mark>", "]")
    return " ".join(html.unescape(marked).split())


def run_reindex(settings: Settings, args: argparse.Namespace) -> int:
    app = Filewarden(settings, create=False)
    if args.reextract:
        reextract_all(app)
    with tqdm(desc="reindexing", unit="doc", file=sys.stderr) as bar:

        def show(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        job = reindex(app, show)
    app.close()
    print(f"reindexed {job.done} documents (job {job.id}, {job.state})")
    return 0


def run_unlock(settings: Settings, args: argparse.Namespace) -> int:
    # Never an argument: command lines end up in shell history and `ps`.
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        try:
            password = getpass.getpass(f"password for document {args.document_id}: ")
        except EOFError:
            password = ""
    if not password:
        print("error: no password given", file=sys.stderr)
        return 2
    app = Filewarden(settings, create=False)
    record = unlock(app, args.document_id, password)
    app.close()
    print(
        f"#{record.id} is {record.state}"
        + (f": {record.failure_reason}" if record.failure_reason else "")
    )
    return 0 if record.state == "indexed" else 1


def _score(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"
