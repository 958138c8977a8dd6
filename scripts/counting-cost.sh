#!/usr/bin/env bash
# What counting costs each server: the same server built twice — as usual, and with the
# `instruments/uncounted` feature, which compiles the counters out (and with them part 2's
# event log and part 3's counting waker) — loaded in turn by the same, normally built, load
# generator. Prints one line per run, then per server the medians and each round's ratio.
#
#   scripts/counting-cost.sh                       # every server, 3 rounds of 20 s each
#   ROUNDS=5 DURATION=30s scripts/counting-cost.sh part2-reactor part3-wakers
#   NO_BUILD=1 scripts/counting-cost.sh            # again, with the binaries built last time
#
# Servers: part1-threads part2-reactor part3-wakers part4-executor (ours) part4-tokio (Tokio,
# served by part 4's binary). Load: $CONNECTIONS (default 100) closed-loop keep-alive
# connections, io_ms=0, so each server is as busy as it can be and the counters' share of a
# request is as large as it gets. The two builds take turns within each round, so a machine
# that slows down slows both. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "scripts/counting-cost.sh needs jq" >&2; exit 1; }
rounds=${ROUNDS:-3}
duration=${DURATION:-20s}
connections=${CONNECTIONS:-100}
addr=127.0.0.1:${PORT:-8090}
servers=("$@")
[ ${#servers[@]} -gt 0 ] ||
    servers=(part1-threads part2-reactor part3-wakers part4-executor part4-tokio)
out=target/counting-cost
packages=(-p part1-threads -p part2-reactor -p part3-wakers -p part4-executor)
binaries=(part1-threads part2-reactor part3-wakers part4-executor)

# The two builds share target/release; each one's binaries are copied aside before the next.
# NO_BUILD=1 reuses the copies of the last run.
[ -n "${NO_BUILD:-}" ] || for build in uncounted counted; do
    features=()
    [ "$build" = uncounted ] && features=(--features instruments/uncounted)
    cargo build --release -q "${packages[@]}" "${features[@]}"
    mkdir -p "$out/$build"
    for binary in "${binaries[@]}"; do cp "target/release/$binary" "$out/$build/"; done
done

# Serves with `$build`'s binary for server `$1`, loads it, prints completed requests per second.
run() {
    local build=$1 server=$2 binary flags=()
    case $server in
        part4-executor) binary=part4-executor; flags=(--runtime ours) ;;
        part4-tokio) binary=part4-executor; flags=(--runtime tokio) ;;
        *) binary=$server ;;
    esac
    "$out/$build/$binary" serve --addr "$addr" --io-ms 0 "${flags[@]}" >/dev/null 2>&1 &
    local pid=$!
    sleep 1
    # The client always comes from the counted build: its own counters make its report.
    "$out/counted/part1-threads" load --addr "$addr" -c "$connections" --rate closed \
        --duration "$duration" --json 2>/dev/null | tail -n 1 | jq -r '.completed_per_s | floor'
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

declare -A results
for round in $(seq "$rounds"); do
    # Which build goes first alternates, so that neither always follows the other.
    order=(counted uncounted)
    [ $((round % 2)) -eq 0 ] && order=(uncounted counted)
    for server in "${servers[@]}"; do
        for build in "${order[@]}"; do
            rate=$(run "$build" "$server")
            results[$server/$build]+="$rate "
            echo "round $round · $server · $build: $rate req/s"
        done
    done
done

median() {
    tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# Each round's uncounted run divided by its counted one: the two ran back to back, so a
# machine that drifts through the series moves both.
ratios() {
    paste -d ' ' <(tr ' ' '\n' <<<"$2" | grep .) <(tr ' ' '\n' <<<"$1" | grep .) |
        awk '{ printf "%.2f ", $1 / $2 }'
}
echo
echo "| server | counted req/s (runs; median) |" \
    "uncounted req/s (runs; median) | uncounted ÷ counted, per round; median |"
echo "|---|---|---|---|"
for server in "${servers[@]}"; do
    counted=$(median <<<"${results[$server/counted]}")
    uncounted=$(median <<<"${results[$server/uncounted]}")
    per_round=$(ratios "${results[$server/counted]}" "${results[$server/uncounted]}")
    echo "| $server | ${results[$server/counted]% }; **$counted** |" \
        "${results[$server/uncounted]% }; **$uncounted** |" \
        "${per_round% }; **$(median <<<"$per_round")** |"
done
