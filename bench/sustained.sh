#!/usr/bin/env bash
# bench/sustained.sh - workload 3: sustained follow.
#
# stamp_writer appends 100-byte stamped lines as fast as it can (64 KiB
# writes) for BENCH_SUSTAIN_SECONDS while the follower (-f -n 0) prints
# them into latency_reader (every line counted, the last of each read
# measured). The reader keeps the arrival count of every read(): the lines
# not yet out when the writer's last write returned are the lag in lines;
# the time from then until the last line is out is the lag in time (an end
# mark line appended after the writer tells the reader it has everything).
# CPU per million lines is the follower's CPU time (user + system, whole
# run) over the lines it delivered. A follower still behind BENCH_LAG_WAIT
# seconds (default 30) after the writer stopped is stopped there and
# reported with what it had delivered (its lag is then a lower bound).
source "$(dirname "$0")/lib.sh"
ensure_helpers
begin_workload sustained
RUN=$SCRATCH/sustained
CASE="max-rate writer, ${SUSTAIN_SECONDS} s"
LAG_WAIT=${BENCH_LAG_WAIT:-$( ((QUICK)) && echo 5 || echo 30)}

run_sustained() {
    local tool=$1 rep=$2
    local dir=$RUN/$tool
    rm -rf "$dir" && mkdir -p "$dir"
    local f=$dir/app.log st=$dir/stats err=$dir/err lat=$dir/lat
    : >"$f"
    tool_cmd "$tool" follow "$dir" "$f" || return 0
    local limit=$((SUSTAIN_SECONDS + LAG_WAIT + 60))
    run_measured_bg "$st" "$err" --timeout "$limit" -- "${CMD[@]}" \
        '|' "$BIN/latency_reader" --ready-file "$dir/ready" --end-mark end --sample-last \
        --writer-report "$dir/writer" \
        --idle-exit 30 --out "$lat"
    local brun=$BG_PID
    if ! wait_ready "$dir/ready" "$f" 30; then
        kill -TERM "$brun" 2>/dev/null
        wait "$brun"
        record_fail "$CASE" "$tool" "$rep" "printed no probe line within 30 s: $(head -c 200 "$err")"
        return 0
    fi
    "$BIN/stamp_writer" --file "$f" --rate 0 --duration "$SUSTAIN_SECONDS" --size "$LINE_SIZE" \
        --report "$dir/writer"
    echo end >>"$f"
    # A follower that cannot keep up gets LAG_WAIT seconds to catch up.
    local i caught=1
    for ((i = 0; i < LAG_WAIT * 10; i++)); do
        [[ -e $lat ]] && break
        sleep 0.1
    done
    if [[ ! -e $lat ]]; then
        caught=0
        kill -TERM "$brun" 2>/dev/null
    fi
    wait "$brun"
    local written got snap wend last
    written=$(kv "$dir/writer" lines)
    wend=$(kv "$dir/writer" end_ns)
    got=$(kv "$lat" stamped)
    snap=$(kv "$lat" at_writer_end)
    last=$(kv "$lat" last_ns)
    rm -f "$f"
    if ((caught)); then
        check_run "$CASE" "$tool" "$rep" "$st" "$err" 1 || return 0
    fi
    if [[ -z $got || $got = 0 ]]; then
        record_fail "$CASE" "$tool" "$rep" "no line came out"
        return 0
    fi
    local note=
    if ((!caught)); then
        note="did not catch up: $((written - got)) of $written lines still behind ${LAG_WAIT} s after the writer stopped (lower bound)"
    elif [[ $(kv "$lat" ended) != 1 ]]; then
        note="end mark not seen: $((written - got)) lines missing"
    fi
    record "$CASE" "$tool" "$rep" writer_rate "$(calc "$(kv "$dir/writer" rate) / 1e6")" Mlines/s
    record "$CASE" "$tool" "$rep" delivered "$(calc "$got / (($last - $(kv "$dir/writer" start_ns)) / 1e9) / 1e6")" Mlines/s "$note"
    [[ -n $snap ]] && record "$CASE" "$tool" "$rep" lag_lines "$((written - snap))" lines "$note"
    record "$CASE" "$tool" "$rep" lag_time "$(calc "($last - $wend) / 1e9")" s "$note"
    record "$CASE" "$tool" "$rep" cpu_per_mline "$(calc "$(kv "$st" cpu_s) / ($got / 1e6)")" s "$note"
    record "$CASE" "$tool" "$rep" p50 "$(calc "$(kv "$lat" p50_us) / 1000")" ms "$note"
    record "$CASE" "$tool" "$rep" p99 "$(calc "$(kv "$lat" p99_us) / 1000")" ms "$note"
    record "$CASE" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
}

for t in $FOLLOWERS; do
    why=$(tool_missing "$t")
    [[ -n $why ]] && record_fail "$CASE" "$t" 0 "$why"
done
for ((rep = 1; rep <= LAT_REPS; rep++)); do
    log "sustained, repetition $rep/$LAT_REPS"
    for t in $(order $FOLLOWERS); do
        [[ -z $(tool_missing "$t") ]] || continue
        run_sustained "$t" "$rep"
    done
done
rm -rf "$RUN"
end_workload
