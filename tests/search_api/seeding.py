"""Many labelled documents written straight into a data folder's database.

Reindex tests need thousands of documents; extracting real files for each
would take minutes, so these rows stand for documents already extracted and
classified (the database is the system of record the index is rebuilt from).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from search_api.database import Database, utc_now

CATEGORIES = ("contract", "financial", "technical", "feedback")
LINES = (
    "甲方与乙方签订采购合同，约定交货日期与付款方式。",
    "Invoice 2024-{n}: amount due 1,200 USD, payable within 30 days.",
    "设备技术参数：额定电压 220V，功率 1500W，防护等级 IP54。",
    "客户投诉：快递延误三天，包装破损，要求退款。",
)


def seed_documents(data_dir: Path, count: int) -> None:
    """Add ``count`` classified documents with text, in one transaction."""
    db = Database(data_dir / "filewarden.sqlite3")
    now = utc_now()
    rows = []
    for n in range(count):
        kind = n % len(LINES)
        text = f"{LINES[kind].format(n=n)} 编号 {n}"
        sha = hashlib.sha256(text.encode()).hexdigest()
        rows.append((n + 1, sha, f"客户{n % 7}", f"doc-{n}.txt", text, kind))
    with db.connect() as conn:
        conn.executemany(
            "INSERT INTO documents (id, sha256, customer, original_filename, "
            "size_bytes, channel, received_at, state, mime_type, title, language, "
            "category, category_confidence, category_source, sensitivity, "
            "sensitivity_confidence, sensitivity_source, updated_at) "
            "VALUES (?, ?, ?, ?, 10, 'folder', ?, 'classified', 'text/plain', ?, "
            "'zh', ?, 0.9, 'model', 'internal', 0.9, 'model', ?)",
            [
                (i, sha, c, name, now, name, CATEGORIES[k], now)
                for i, sha, c, name, _, k in rows
            ],
        )
        conn.executemany(
            "INSERT INTO document_texts (document_id, text) VALUES (?, ?)",
            [(i, text) for i, _, _, _, text, _ in rows],
        )
