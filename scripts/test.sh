#!/usr/bin/env bash
# Runs Filewarden's checks and tests: ruff, mypy, then pytest, with a real
# OpenSearch node on loopback for the backend conformance tests.
set -euo pipefail
cd "$(dirname "$0")/.."

ruff format --check .
ruff check .
mypy extractors classifier indexer search_api

if [ -z "${FILEWARDEN_TEST_OPENSEARCH_URL:-}" ] && [ -x scripts/opensearch-node.sh ]; then
  scripts/opensearch-node.sh start
  trap 'scripts/opensearch-node.sh stop' EXIT
  FILEWARDEN_TEST_OPENSEARCH_URL="$(cat .opensearch/url)"
  export FILEWARDEN_TEST_OPENSEARCH_URL
fi

python3 -m pytest -q "$@"
