#!/usr/bin/env bash
# bench/latency.sh - workload 2: follow latency.
#
# stamp_writer appends 100-byte lines stamped with CLOCK_MONOTONIC right
# before each write(), at 10, 1,000 and 100,000 lines/s; the follower (-f
# -n 0) prints them into a pipe read by latency_reader, which takes the
# arrival time after each read(): latency = arrival - stamp, per line.
# Before measuring, probe lines are appended until one comes out, so every
# follower is known to be watching. The three rates and the tools are
# interleaved and repeated (BENCH_LATENCY_REPS); each run writes for
# BENCH_LAT_SECONDS.
#
# With them runs a floor, fifo-cat: the same writer into a FIFO read by
# cat, which writes into the same pipe. The same two hops (writer to
# follower, follower to reader) with the cheapest wakeup there is and no
# file in between: what this machine's scheduler allows any follower.
source "$(dirname "$0")/lib.sh"
ensure_helpers
begin_workload latency
RUN=$SCRATCH/latency
RATES=${BENCH_LAT_RATES:-10 1000 100000}
LAT_TOOLS="$FOLLOWERS ${BENCH_LAT_FLOOR-fifo-cat}"

# run_latency CASE TOOL REP RATE
run_latency() {
    local case=$1 tool=$2 rep=$3 rate=$4
    local dir=$RUN/$tool
    rm -rf "$dir" && mkdir -p "$dir"
    local f=$dir/app.log
    if [[ $tool = fifo-cat ]]; then
        mkfifo "$f"
        # Opened read-write, the FIFO never reports end of file between
        # the probes and the writer.
        CMD=(sh -c 'exec cat <>"$1"' sh "$f")
    else
        : >"$f"
        tool_cmd "$tool" follow "$dir" "$f" || return 0
    fi
    measure_latency "$case" "$tool" "$rep" "$rate" "$dir" "$f"
}

for rate in $RATES; do
    for t in $LAT_TOOLS; do
        why=$(tool_missing "$t")
        [[ -n $why ]] && record_fail "$rate lines/s" "$t" 0 "$why"
    done
done
for ((rep = 1; rep <= LATENCY_REPS; rep++)); do
    for rate in $RATES; do
        log "latency at $rate lines/s, repetition $rep/$LATENCY_REPS"
        for t in $(order $LAT_TOOLS); do
            [[ -z $(tool_missing "$t") ]] || continue
            run_latency "$rate lines/s" "$t" "$rep" "$rate"
        done
    done
done
rm -rf "$RUN"
end_workload
