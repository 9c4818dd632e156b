#!/usr/bin/env bash
# bench/manyfiles.sh - workload 5: many files.
#
# Each follower follows 1,000 and 10,000 files at once (-f -q -n 0; rsyslog
# through an imfile wildcard), while stamp_writer appends one stamped line to
# a random file every millisecond for BENCH_MANY_SECONDS. latency_reader
# measures every line (p50/p99/max); benchrun gives the follower's CPU time
# and peak RSS for the whole run, setup included. Readiness: probe lines go
# to the last file of the set (the last one a follower sets up) until one
# comes out.
source "$(dirname "$0")/lib.sh"
ensure_helpers
begin_workload manyfiles
RUN=$SCRATCH/manyfiles
RATE=1000
ulimit -n "$(ulimit -Hn)" 2>/dev/null

run_many() {
    local case=$1 tool=$2 rep=$3 n=$4
    local dir=$RUN/$tool
    rm -rf "$dir" && mkdir -p "$dir/files"
    local i name
    for ((i = 0; i < n; i++)); do
        printf -v name 'f%05d.log' "$i"
        : >"$dir/files/$name"
    done
    local last=$dir/files/$name st=$dir/stats err=$dir/err lat=$dir/lat
    if [[ $tool = rsyslog-imfile ]]; then
        tool_cmd "$tool" follow "$dir" "$dir/files" || return 0
    else
        tool_cmd "$tool" follow "$dir" "$dir"/files/*.log || return 0
    fi
    local count
    count=$(awk -v s="$MANY_SECONDS" -v r="$RATE" 'BEGIN { print int(s * r) }')
    follow_into_reader "$case" "$tool" "$rep" "$dir" "$last" $((MANY_SECONDS + 180)) 90 \
        "$count" 10 || return 0
    local brun=$BG_PID
    "$BIN/stamp_writer" --dir "$dir/files" --nfiles "$n" --rate "$RATE" --count "$count" \
        --size "$LINE_SIZE" --seed "$rep" --report "$dir/writer"
    wait "$brun"
    check_run "$case" "$tool" "$rep" "$st" "$err" 1 || return 0
    local got
    got=$(kv "$lat" stamped)
    if [[ -z $(kv "$lat" p50_us) ]]; then
        record_fail "$case" "$tool" "$rep" "no stamped line came out ($got of $count): $(head -c 200 "$err")"
        return 0
    fi
    local note=
    ((got < count)) && note="$((count - got)) of $count lines missing"
    record "$case" "$tool" "$rep" p50 "$(calc "$(kv "$lat" p50_us) / 1000")" ms "$note"
    record "$case" "$tool" "$rep" p99 "$(calc "$(kv "$lat" p99_us) / 1000")" ms "$note"
    record "$case" "$tool" "$rep" max "$(calc "$(kv "$lat" max_us) / 1000")" ms "$note"
    record "$case" "$tool" "$rep" lost "$((count - got))" lines
    record "$case" "$tool" "$rep" cpu "$(kv "$st" cpu_s)" s
    record "$case" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
    rm -rf "$dir"
}

for n in $MANY_COUNTS; do
    for t in $FOLLOWERS; do
        why=$(tool_missing "$t")
        [[ -n $why ]] && record_fail "$n files" "$t" 0 "$why"
    done
done
for ((rep = 1; rep <= LAT_REPS; rep++)); do
    for n in $MANY_COUNTS; do
        log "many files: $n, repetition $rep/$LAT_REPS"
        for t in $(order $FOLLOWERS); do
            [[ -z $(tool_missing "$t") ]] || continue
            run_many "$n files" "$t" "$rep" "$n"
        done
    done
done
rm -rf "$RUN"
end_workload
