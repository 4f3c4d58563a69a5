#!/usr/bin/env bash
# Starts or stops a throwaway single-node OpenSearch 2.19 for Filewarden's tests.
#
#   scripts/opensearch-node.sh start   # builds if needed, starts, waits, prints the URL
#   scripts/opensearch-node.sh stop    # stops the node and removes its data
#   scripts/opensearch-node.sh url     # prints the URL of the running node
#
# The node is built from Maven Central jars (opensearch-node/pom.xml) and runs in one
# JVM bound to 127.0.0.1 on a port the kernel picks; security is absent, not just off.
# State lives in .opensearch/: url, pid, node.log and home/ (config, data, logs).
# Environment: OPENSEARCH_JAVA_OPTS (default "-Xms512m -Xmx1g"),
# OPENSEARCH_START_TIMEOUT_SECONDS (default 180), JAVA_HOME (else java on PATH).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_DIR="$ROOT/opensearch-node"
STATE_DIR="$ROOT/.opensearch"
HOME_DIR="$STATE_DIR/home"
URL_FILE="$STATE_DIR/url"
PID_FILE="$STATE_DIR/pid"
LOG_FILE="$STATE_DIR/node.log"
JAR="$NODE_DIR/target/opensearch-test-node-0.1.0.jar"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_OPTS="${OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g}"
START_TIMEOUT_SECONDS="${OPENSEARCH_START_TIMEOUT_SECONDS:-180}"

say() { echo "opensearch-node: $*" >&2; }

fail() {
  say "$*"
  if [[ -f "$LOG_FILE" ]]; then
    say "last 40 lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2
  fi
  exit 1
}

is_running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

# Rebuild only when the jar is missing or older than the pom or the Java source.
build_if_needed() {
  if [[ -f "$JAR" && -d "$NODE_DIR/target/lib" ]] &&
    [[ -z "$(find "$NODE_DIR/pom.xml" "$NODE_DIR/src" -newer "$JAR" -print -quit)" ]]; then
    return
  fi
  say "building $NODE_DIR (first build downloads about 55 MB from Maven Central)"
  mvn -B -q -f "$NODE_DIR/pom.xml" package || fail "maven build of $NODE_DIR failed"
}

cluster_status() {
  curl -sf --max-time 5 "$1/_cluster/health?wait_for_status=yellow&timeout=2s" |
    grep -o '"status":"[a-z]*"' | cut -d'"' -f4
}

wait_until_healthy() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT_SECONDS)) status=""
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || fail "node (pid $pid) exited during start-up"
    if [[ -f "$URL_FILE" ]]; then
      status="$(cluster_status "$(cat "$URL_FILE")" || true)"
      [[ "$status" == green || "$status" == yellow ]] && return
    fi
    sleep 1
  done
  stop_node
  fail "node not yellow/green after ${START_TIMEOUT_SECONDS}s (last status: '${status:-none}')"
}

start_node() {
  if is_running && [[ -f "$URL_FILE" ]]; then
    say "already running (pid $(cat "$PID_FILE"))"
    cat "$URL_FILE"
    return
  fi
  build_if_needed

  # A fresh home each time: leftovers of a killed run must not leak into tests.
  rm -rf "$HOME_DIR" "$URL_FILE" "$PID_FILE"
  mkdir -p "$HOME_DIR"
  # shellcheck disable=SC2086  # JAVA_OPTS holds several words on purpose.
  nohup "$JAVA" $JAVA_OPTS -cp "$NODE_DIR/target/classes:$NODE_DIR/target/lib/*" \
    filewarden.testnode.FilewardenTestNode "$HOME_DIR" "$URL_FILE" \
    </dev/null >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"

  wait_until_healthy "$(cat "$PID_FILE")"
  say "up at $(cat "$URL_FILE") (pid $(cat "$PID_FILE")); export FILEWARDEN_TEST_OPENSEARCH_URL=$(cat "$URL_FILE")"
  cat "$URL_FILE"
}

stop_node() {
  if is_running; then
    local pid
    pid="$(cat "$PID_FILE")"
    kill -TERM "$pid"
    # The JVM closes the node in a shutdown hook; give it 30 s before forcing.
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -rf "$HOME_DIR" "$URL_FILE" "$PID_FILE"
}

case "${1:-}" in
  start) start_node ;;
  stop) stop_node ;;
  url)
    is_running || { say "no node running; use: $0 start"; exit 1; }
    cat "$URL_FILE"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
