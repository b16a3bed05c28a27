#!/usr/bin/env bash
# Lighthouse 12 (mobile profile, Debian's Chromium) on the sign-in page, the new-record form and
# the dashboard of the app served with demo data: prints the four category scores per page and
# exits non-zero when performance < 98, accessibility < 100 or best practices < 100.
#
#   bench/lighthouse.sh                 # one Lighthouse run per page
#   RUNS=3 bench/lighthouse.sh          # the median of three runs per page (performance is noisy)
#   KEEP=/tmp/lh bench/lighthouse.sh    # keep the JSON reports there
#
# Lighthouse is installed with npm into bench/.lighthouse (git-ignored), not globally and not into
# ./node_modules, where `make browser` installs axe-core with --no-save (each such install prunes
# what the other put there). Version 12.2.3 exactly: 13 needs Node 22.
# The app runs as `make run` serves it (gunicorn, 2 workers, gunicorn.conf.py) but on a free port
# of 127.0.0.1, from a fresh SQLite database in a temporary folder, stopped on the way out.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LIGHTHOUSE_VERSION=12.2.3
TOOLS="$ROOT/bench/.lighthouse"
LIGHTHOUSE="$TOOLS/node_modules/.bin/lighthouse"
PY="$ROOT/.venv/bin/python"
RUNS="${RUNS:-1}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
export FLASK_APP=wsgi

[ -x "$PY" ] || { echo "no .venv: run 'make install catalogues' first" >&2; exit 2; }
[ -x "$CHROME_PATH" ] || { echo "no Chromium at $CHROME_PATH ('make browser' installs it)" >&2; exit 2; }
if ! grep -qs "\"version\": \"$LIGHTHOUSE_VERSION\"" "$TOOLS/node_modules/lighthouse/package.json"; then
  echo "Installing lighthouse@$LIGHTHOUSE_VERSION into bench/.lighthouse (npm)…" >&2
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-package-lock --no-audit --no-fund --silent \
    "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi

WORK="$(mktemp -d /tmp/pcn-lighthouse-XXXXXX)"
OUT="${KEEP:-$WORK/reports}"
mkdir -p "$OUT"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite:///$WORK/pcn.sqlite3"
export SECRET_KEY="lighthouse-$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
cd "$ROOT"
echo "Preparing a fresh database with demo data (flask db upgrade, flask seed --demo)…" >&2
"$ROOT/.venv/bin/flask" translate compile >/dev/null 2>&1
"$ROOT/.venv/bin/flask" db upgrade >"$WORK/prepare.log" 2>&1
"$ROOT/.venv/bin/flask" seed --demo >>"$WORK/prepare.log" 2>&1 || { cat "$WORK/prepare.log" >&2; exit 2; }

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$ROOT/.venv/bin/gunicorn" --bind "127.0.0.1:$PORT" --workers 2 wsgi:app >"$WORK/gunicorn.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fs --noproxy '*' -o /dev/null "$BASE/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/gunicorn.log" >&2; exit 2; }
  sleep 0.2
done

# A session as a browser gets it: the form's CSRF token, the password, the cookie it sets.
session_cookie() {  # username -> "name=value; …" of the signed-in session
  local jar="$WORK/jar-$1" token
  token="$(curl -fs --noproxy '*' -c "$jar" "$BASE/login" | sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -1)"
  [ -n "$token" ] || { echo "no CSRF token on /login" >&2; return 1; }
  curl -fs --noproxy '*' -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf_token=$token" --data-urlencode "username=$1" --data-urlencode "password=demo-pcn-2026" \
    "$BASE/login"
  awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar"
}
ADVISOR_COOKIE="$(session_cookie conseiller)"
COORDINATOR_COOKIE="$(session_cookie coordination)"
[ -n "$ADVISOR_COOKIE" ] && [ -n "$COORDINATOR_COOKIE" ] || { echo "sign-in failed" >&2; exit 2; }

# page name | path | cookie (none: signed out)
PAGES=(
  "sign-in|/login|"
  "record form (advisor)|/accompagnements/nouveau|$ADVISOR_COOKIE"
  "dashboard (coordinator)|/tableau-de-bord|$COORDINATOR_COOKIE"
)
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
index=0
for page in "${PAGES[@]}"; do
  IFS='|' read -r name path cookie <<<"$page"
  index=$((index + 1))
  for run in $(seq "$RUNS"); do
    headers="{}"
    [ -n "$cookie" ] && headers="$("$PY" -c 'import json, sys; print(json.dumps({"Cookie": sys.argv[1]}))' "$cookie")"
    echo "Lighthouse: $name ($path), run $run of $RUNS…" >&2
    "$LIGHTHOUSE" "$BASE$path" --quiet --form-factor=mobile --output=json \
      --output-path="$OUT/page$index-run$run.json" --chrome-flags="$CHROME_FLAGS" \
      --only-categories=performance,accessibility,best-practices,seo --extra-headers="$headers" \
      || { echo "Lighthouse failed on $path" >&2; exit 2; }
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PY" - "$OUT" "$RUNS" "${PAGES[@]}" <<'PYTHON'
"""The median score of each category per page, the failing audits, and the verdict."""
import json
import statistics
import sys
from pathlib import Path

out, runs, pages = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
failed = False
print(f"| page | {' | '.join(CATEGORIES)} | runs |")
print("|---|" + "---:|" * len(CATEGORIES) + "---:|")
notes = []
for index, page in enumerate(pages, start=1):
    name, path = page.split("|")[:2]
    reports = [json.loads((out / f"page{index}-run{run}.json").read_text()) for run in range(1, runs + 1)]
    scores = {c: round(statistics.median(r["categories"][c]["score"] * 100 for r in reports)) for c in CATEGORIES}
    cells = []
    for category in CATEGORIES:
        below = scores[category] < TARGETS.get(category, 0)
        failed |= below
        cells.append(f"{scores[category]}{' (below ' + str(TARGETS[category]) + ')' if below else ''}")
    print(f"| {name} `{path}` | {' | '.join(cells)} | {runs} |")
    last = reports[-1]
    if last["finalDisplayedUrl"].rstrip("/") != last["requestedUrl"].rstrip("/"):
        notes.append(f"{path}: Lighthouse ended on {last['finalDisplayedUrl']} (signed out?)")
        failed = True
    for category in CATEGORIES:
        for ref in last["categories"][category]["auditRefs"]:
            audit = last["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1 \
                    and category != "performance":
                notes.append(f"{path} {category}: {ref['id']} ({audit['title']})")
    metrics = last["audits"]
    notes.append(f"{path} performance: FCP {metrics['first-contentful-paint']['displayValue']}, "
                 f"LCP {metrics['largest-contentful-paint']['displayValue']}, "
                 f"TBT {metrics['total-blocking-time']['displayValue']}, CLS {metrics['cumulative-layout-shift']['displayValue']}, "
                 f"weight {metrics['total-byte-weight']['displayValue']}")
for note in notes:
    print("-", note)
print("targets: performance ≥ 98, accessibility 100, best practices 100:", "MISSED" if failed else "met")
sys.exit(1 if failed else 0)
PYTHON
