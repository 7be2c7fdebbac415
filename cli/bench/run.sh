#!/usr/bin/env bash
# Benchmarks of the `teams-admin` process (not the engine alone): every run
# is the release binary reading a real CSV file and talking over loopback to
# the emulator binary, a separate process. Prints Markdown rows.
#
#   bash cli/bench/run.sh            # all
#   bash cli/bench/run.sh throttle   # one: throttle | concurrency | journal | rss
#
# Needs: cargo build --release -p teams-admin -p graph-teams-admin-emulator
# (CARGO_TARGET_DIR or target/), /usr/bin/time, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-target}/release
CLI=$TARGET/teams-admin
EMU=$TARGET/graph-teams-admin-emulator
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export TEAMS_ADMIN_PROGRESS_SECONDS=3600 # no progress lines in the timings

# start_emulator ROWS [emulator flags...]: sets TEAMS_ADMIN_BASE_URL,
# TEAMS_ADMIN_TOKEN, CONTROL.
start_emulator() {
    local rows=$1
    shift
    [ -n "${EMU_PID:-}" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null || true
    "$EMU" --port 0 --numbers "$rows" --users "$rows" "$@" >"$WORK/emu.out" 2>"$WORK/emu.err" &
    EMU_PID=$!
    for _ in $(seq 1 1200); do
        grep -q '^control_url=' "$WORK/emu.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q '^control_url=' "$WORK/emu.out" || { echo "emulator did not start" >&2; cat "$WORK/emu.err" >&2; exit 1; }
    export TEAMS_ADMIN_BASE_URL=$(sed -n 's/^base_url=//p' "$WORK/emu.out")
    export TEAMS_ADMIN_TOKEN=$(sed -n 's/^token=//p' "$WORK/emu.out")
    CONTROL=$(sed -n 's/^control_url=//p' "$WORK/emu.out")
}

# make_csv ROWS FILE: user i gets the i-th number of the inventory, as the
# emulator lists it (so the types match).
make_csv() {
    local rows=$1 file=$2
    "$CLI" -q numbers list --page-size 1000 -o csv | python3 -c '
import csv, sys
rows, out = int(sys.argv[1]), sys.argv[2]
r = csv.DictReader(sys.stdin)
with open(out, "w") as f:
    f.write("UserPrincipalName,PhoneNumber,PhoneNumberType\n")
    for i, n in enumerate(r, start=1):
        if i > rows: break
        t = {"directRouting": "DirectRouting", "callingPlan": "CallingPlan", "operatorConnect": "OperatorConnect"}[n["numberType"]]
        number = n["telephoneNumber"]
        f.write(f"user{i:03d}@contoso.onmicrosoft.com,{number},{t}\n")
' "$rows" "$file"
}

# timed FILE.csv [cli flags...]: "wall_s max_rss_mib throttled requests exit"
timed() {
    local file=$1
    shift
    set +e
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$CLI" -o csv --poll-interval ${POLL_NOW:-0.3} bulk assign "$file" --yes "$@" \
        >"$WORK/out.csv" 2>"$WORK/err"
    local code=$?
    set -e
    local wall rss
    read -r wall rss < <(tail -1 "$WORK/time")
    local line
    line=$(grep -E 'action requests, [0-9]+ throttled' "$WORK/err" | tail -1)
    local requests throttled
    requests=$(sed -E 's/.*; ([0-9]+) action requests.*/\1/' <<<"$line")
    throttled=$(sed -E 's/.*, ([0-9]+) throttled.*/\1/' <<<"$line")
    local ok
    ok=$(grep -c ',succeeded,' "$WORK/out.csv" || true)
    echo "$wall $((rss / 1024)) $throttled $requests $code $ok"
}

# make_id_csv ROWS INVENTORY FILE: ROWS rows naming users by object id (no
# lookups), numbers +14255550100.. of which the first INVENTORY exist.
make_id_csv() {
    python3 - "$1" "$3" <<'PY'
import sys
rows, out = int(sys.argv[1]), sys.argv[2]
areas = ["425", "206", "312", "415", "512", "617"]
types = ["DirectRouting", "CallingPlan", "OperatorConnect"]
with open(out, "w") as f:
    f.write("UserId,PhoneNumber,PhoneNumberType\n")
    for i in range(rows):
        area = areas[(i // 9900) % 6]
        exchange = 555 + i // (9900 * 6)
        number = "+1%s%d%04d" % (area, exchange, 100 + i % 9900)
        f.write("5b7a9c1e-3d2f-4e60-8a4b-%012d,%s,%s\n" % (i + 1, number, types[i % 3]))
PY
}

applied_once() {
    curl -s "$CONTROL/counters" | python3 -c '
import json, sys
c = json.load(sys.stdin)["numbers"]
a = [v["assign"] for v in c.values()]
print(sum(1 for x in a if x == 1), sum(1 for x in a if x > 1))'
}

# The emulator's operation duration in the throttle runs: the bound is the
# opening of the last of the 10 windows (9 s after the first request) plus
# one operation.
OP_MS=${OP_MS:-20}
# The CLI's first poll waits --poll-interval (then 1.5x per poll): as long as
# one operation takes, unless POLL says otherwise.
POLL=${POLL:-$(python3 -c "print(max($OP_MS, 20) / 1000)")}

bench_throttle() {
    echo "### 10,000 rows, emulator throttled to 1,000 assignNumber/s (fixed windows)"
    echo
    echo "Operations take ${OP_MS} ms (OP_MS; the engine's benchmark uses 20 ms too), the CLI's --poll-interval is ${POLL} s (POLL); bound = 9 s + ${OP_MS} ms."
    echo 'Users: `upn` by user principal name (10,000 lookups), `id` by object id (no lookups).'
    echo
    echo "| Retry-After | users | run | wall time | bound | ratio | throttled (429) | action requests | succeeded | applied once / twice | exit |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    local POLL_NOW=$POLL # seen by timed (dynamic scope)
    local bound
    bound=$(python3 -c "print(f'{9 + $OP_MS / 1000:.2f}')")
    for form in exact whole; do
        for users in upn id; do
            for run in 1 2; do
                if [ $form = exact ]; then
                    start_emulator 10000 --rate-limit 1000 --rate-limit-fractional --operation-duration-ms $OP_MS
                else
                    start_emulator 10000 --rate-limit 1000 --operation-duration-ms $OP_MS
                fi
                if [ $users = upn ]; then
                    make_csv 10000 "$WORK/10k.csv"
                else
                    make_id_csv 10000 10000 "$WORK/10k.csv"
                fi
                read -r wall rss throttled requests code ok < <(timed "$WORK/10k.csv" --concurrency 64)
                read -r once twice < <(applied_once)
                ratio=$(python3 -c "print(f'{$wall / $bound:.2f}')")
                echo "| $form | $users | $run | ${wall} s | ${bound} s | **$ratio** | $throttled | $requests | $ok | $once / $twice | $code |"
            done
        done
    done
    echo
}

bench_concurrency() {
    echo "### Throttled requests by --concurrency (10,000 rows, 1,000/s, exact Retry-After)"
    echo
    echo "| --concurrency | wall time | throttled (429) | action requests | succeeded |"
    echo "|---|---|---|---|---|"
    for c in 4 16 64 256; do
        start_emulator 10000 --rate-limit 1000 --rate-limit-fractional
        make_csv 10000 "$WORK/10k.csv"
        read -r wall rss throttled requests code ok < <(timed "$WORK/10k.csv" --concurrency "$c")
        echo "| $c | ${wall} s | $throttled | $requests | $ok |"
    done
    echo
}

bench_journal() {
    echo "### Journal on vs off (10,000 rows, not throttled, --concurrency 64)"
    echo
    echo "| journal | wall time | peak RSS | succeeded |"
    echo "|---|---|---|---|"
    for run in 1 2; do
        for j in off on; do
            start_emulator 10000
            make_csv 10000 "$WORK/10k.csv"
            rm -f "$WORK/run.journal"
            if [ $j = on ]; then
                read -r wall rss throttled requests code ok < <(timed "$WORK/10k.csv" --concurrency 64 --journal "$WORK/run.journal")
            else
                read -r wall rss throttled requests code ok < <(timed "$WORK/10k.csv" --concurrency 64)
            fi
            echo "| $j | ${wall} s | ${rss} MiB | $ok |"
        done
    done
    echo
}

bench_rss() {
    echo "### 100,000-row CSV: peak RSS of the teams-admin process"
    echo
    echo "| run | emulator inventory | wall time | peak RSS | rows | exit |"
    echo "|---|---|---|---|---|---|"
    # Dry run: every row's number is read (the emulator filters its
    # inventory linearly per request, so it holds 200 numbers here: those
    # rows are planned, the rest numberNotFound; the CLI streams all 100,000).
    start_emulator 200
    make_id_csv 100000 200 "$WORK/100k.csv"
    read -r wall rss throttled requests code ok < <(timed "$WORK/100k.csv" --dry-run --report "$WORK/plan.csv")
    planned=$(grep -c ',planned,' "$WORK/out.csv" || true)
    invalid=$(grep -c ',invalid,' "$WORK/out.csv" || true)
    echo "| dry run (report + stdout) | 200 numbers | ${wall} s | **${rss} MiB** | $planned planned, $invalid numberNotFound | $code |"
    start_emulator 100000
    read -r wall rss throttled requests code ok < <(timed "$WORK/100k.csv" --concurrency 64 --journal "$WORK/100k.journal" --report "$WORK/100k-report.csv")
    echo "| real run (journal + report + stdout) | 100,000 numbers | ${wall} s | **${rss} MiB** | $ok succeeded | $code |"
    echo
}

case "${1:-all}" in
    throttle) bench_throttle ;;
    concurrency) bench_concurrency ;;
    journal) bench_journal ;;
    rss) bench_rss ;;
    all) bench_throttle; bench_concurrency; bench_journal; bench_rss ;;
esac
