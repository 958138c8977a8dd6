#!/usr/bin/env bash
# Runs a part's demo headless at several loads and prints one Markdown table row per run,
# from each run's summary line. This is how the tables in the lessons were made.
#
#   scripts/measure.sh PART "CONNECTIONS RATE [EXTRA FLAGS...]" ...
#   scripts/measure.sh part1-threads "10 160" "1000 16000" "1000 closed" "100 1000 --churn"
#
# Each run lasts $DURATION (default 40s); the first $WARMUP (default 15s) is left out of the
# summary, so the figures describe the steady state, not the ramp-up. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:?usage: scripts/measure.sh PART "CONNECTIONS RATE [FLAGS...]" ...}
shift
duration=${DURATION:-40s}
warmup=${WARMUP:-15s}
command -v jq >/dev/null || { echo "scripts/measure.sh needs jq" >&2; exit 1; }
cargo build --release -q -p "$part"

echo "| part | connections | rate | flags | offered/s | completed/s | threads | RSS MiB | kernel stacks MiB (machine) | virtual MiB | ctx switches/s | per request | p99 ms (median tick) | p99 ms (worst tick) | errors server/client |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for run in "$@"; do
    read -r connections rate flags <<<"$run"
    # shellcheck disable=SC2086 # the flags are meant to split into words
    summary=$(./target/release/"$part" --headless -c "$connections" --rate "$rate" \
        --duration "$duration" --warmup "$warmup" $flags 2>/dev/null | tail -n 1)
    jq -r --arg part "$part" --arg c "$connections" --arg r "$rate" --arg f "${flags:-}" '.summary |
        "| \($part) | \($c) | \($r) | \($f) | \(.mean_offered_per_s | floor) | \(.mean_completed_per_s | floor) | \(.peak_threads) | \(.peak_rss / 104857.6 | round / 10) | \((.peak_kernel_stack // 0) / 104857.6 | round / 10) | \(.peak_virtual_size / 1048576 | floor) | \(.mean_ctx_switches_per_s | floor) | \(.ctx_switches_per_request * 100 | round / 100) | \(.median_p99_us / 1000 | floor) | \(.worst_p99_us / 1000 | floor) | \(.server_errors)/\(.client_errors) |"' <<<"$summary"
done
