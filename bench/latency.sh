#!/usr/bin/env bash
# bench/latency.sh - workload 2: follow latency.
#
# stamp_writer appends 100-byte lines stamped with CLOCK_MONOTONIC right
# before each write(), at 10, 1,000 and 100,000 lines/s; the follower (-f
# -n 0) prints them into a pipe read by latency_reader, which takes the
# arrival time after each read(): latency = arrival - stamp, per line.
# Before measuring, probe lines are appended until one comes out, so every
# follower is known to be watching. The three rates and the tools are
# interleaved and repeated (BENCH_LAT_REPS); each run writes for
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
    local f=$dir/app.log st=$dir/stats err=$dir/err lat=$dir/lat
    if [[ $tool = fifo-cat ]]; then
        mkfifo "$f"
        # Opened read-write, the FIFO never reports end of file between
        # the probes and the writer.
        CMD=(sh -c 'exec cat <>"$1"' sh "$f")
    else
        : >"$f"
        tool_cmd "$tool" follow "$dir" "$f" || return 0
    fi
    local count
    count=$(awk -v r="$rate" -v s="$LAT_SECONDS" 'BEGIN { c = int(r * s); print (c < 20 ? 20 : c) }')
    local limit
    limit=$(awk -v c="$count" -v r="$rate" 'BEGIN { print int(c / r) + 90 }')
    run_measured_bg "$st" "$err" --timeout "$limit" -- "${CMD[@]}" \
        '|' "$BIN/latency_reader" --ready-file "$dir/ready" --count "$count" --idle-exit 5 \
        --out "$lat"
    local brun=$BG_PID
    if ! wait_ready "$dir/ready" "$f" 30; then
        kill -TERM "$brun" 2>/dev/null
        wait "$brun"
        record_fail "$case" "$tool" "$rep" "printed no probe line within 30 s: $(head -c 200 "$err")"
        return 0
    fi
    "$BIN/stamp_writer" --file "$f" --rate "$rate" --count "$count" --size "$LINE_SIZE" \
        --report "$dir/writer"
    wait "$brun"
    check_run "$case" "$tool" "$rep" "$st" "$err" 1 || return 0
    local got
    got=$(kv "$lat" stamped)
    if [[ -z $(kv "$lat" p50_us) ]]; then
        record_fail "$case" "$tool" "$rep" "no stamped line came out ($got of $count)"
        return 0
    fi
    local note=
    ((got < count)) && note="$((count - got)) of $count lines missing at the end"
    record "$case" "$tool" "$rep" p50 "$(kv "$lat" p50_us)" us "$note"
    record "$case" "$tool" "$rep" p99 "$(kv "$lat" p99_us)" us "$note"
    record "$case" "$tool" "$rep" max "$(kv "$lat" max_us)" us "$note"
    record "$case" "$tool" "$rep" lost "$((count - got))" lines
    record "$case" "$tool" "$rep" cpu "$(kv "$st" cpu_s)" s
    record "$case" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
    record "$case" "$tool" "$rep" writer_rate "$(kv "$dir/writer" rate)" lines/s
}

for rate in $RATES; do
    for t in $LAT_TOOLS; do
        why=$(tool_missing "$t")
        [[ -n $why ]] && record_fail "$rate lines/s" "$t" 0 "$why"
    done
done
for ((rep = 1; rep <= LAT_REPS; rep++)); do
    for rate in $RATES; do
        log "latency at $rate lines/s, repetition $rep/$LAT_REPS"
        for t in $(order $LAT_TOOLS); do
            [[ -z $(tool_missing "$t") ]] || continue
            run_latency "$rate lines/s" "$t" "$rep" "$rate"
        done
    done
done
rm -rf "$RUN"
end_workload
