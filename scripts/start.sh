#!/usr/bin/env bash
# Sets Filewarden up on a Debian machine, takes in the shared corpus when it is
# there (FILEWARDEN_CORPUS_DIR, default ../shared/corpus), and serves the API
# and pages on 127.0.0.1:8000 (arguments go to `filewarden serve`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

corpus="${FILEWARDEN_CORPUS_DIR:-../shared/corpus}"
if [ -d "$corpus" ]; then
  filewarden ingest "$corpus" || echo "some paths were skipped; the summary above says why"
else
  echo "no corpus at $corpus: starting empty (upload files, or run filewarden ingest)"
fi

exec filewarden serve "$@"
