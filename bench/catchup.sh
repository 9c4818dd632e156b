#!/usr/bin/env bash
# bench/catchup.sh - workload 1: catch-up on a large log.
#
# Each tool prints the whole BENCH_SIZE_MB log from its first line, to
# /dev/null and to a pipe (a reader counting bytes), without and with -f.
# Without -f the time runs until the tool exits (pipe: until the reader has
# the last byte); with -f until the last byte is out: /dev/null runs stop
# when the tool's write count (/proc/PID/io wchar) reaches the file size,
# pipe runs when the reader has every byte. cat, which cannot follow, is
# the copying limit both tables are compared with. Then `-n 10` on the same
# file (a follower that reads from the end takes no longer on 1 GiB than on
# 1 KiB: compare with the exec baseline, /bin/true), and atail's JSON
# output when it has one.
source "$(dirname "$0")/lib.sh"
ensure_helpers
begin_workload catchup

LOG=$(catchup_log)
SIZE=$(stat -c %s "$LOG")
MB=$(calc "$SIZE / 1e6")
TIMEOUT=$((60 + SIZE_MB / 4))
cat "$LOG" >/dev/null # into the page cache: every tool reads from memory
RUN=$SCRATCH/catchup
mkdir -p "$RUN"
TOOLS=(cat $FOLLOWERS)

# one CASE TOOL REP MODE SINK
one() {
    local case=$1 tool=$2 rep=$3 mode=$4 sink=$5
    local st=$RUN/stats err=$RUN/err rd=$RUN/reader following=0 secs
    [[ $mode = catchup-f ]] && following=1
    rm -f "$st" "$rd"
    tool_cmd "$tool" "$mode" "$RUN" "$LOG" || return 0
    if [[ $sink = null ]]; then
        if ((following)); then
            run_measured "$st" "$err" --out /dev/null --until-wchar "$SIZE" --timeout "$TIMEOUT" \
                -- "${CMD[@]}"
            if [[ $(kv "$st" why) = exit ]]; then
                record_fail "$case" "$tool" "$rep" "exited while following: $(head -c 200 "$err")"
                return 0
            fi
        else
            run_measured "$st" "$err" --out /dev/null --timeout "$TIMEOUT" -- "${CMD[@]}"
        fi
        check_run "$case" "$tool" "$rep" "$st" "$err" "$following" || return 0

        secs=$(kv "$st" wall_s)
    else
        # Without -f the reader reads to the end (the tool's exit), so
        # extra output would show; with -f it stops at the file's size.
        local until=()
        ((following)) && until=(--bytes "$SIZE")
        run_measured "$st" "$err" --timeout "$TIMEOUT" -- "${CMD[@]}" \
            '|' "$BIN/latency_reader" "${until[@]}" --out "$rd"
        check_run "$case" "$tool" "$rep" "$st" "$err" "$following" || return 0
        local got
        got=$(kv "$rd" bytes)
        if [[ $got != "$SIZE" ]]; then
            record_fail "$case" "$tool" "$rep" "printed $got bytes of $SIZE"
            return 0
        fi
        secs=$(calc "($(kv "$rd" last_ns) - $(kv "$st" start_ns)) / 1e9")
    fi
    record "$case" "$tool" "$rep" throughput "$(calc "$MB / $secs")" MB/s
    record "$case" "$tool" "$rep" time "$secs" s
    record "$case" "$tool" "$rep" cpu "$(kv "$st" cpu_s)" s
    record "$case" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
}

declare -A CASES=(
    ["-n +1 > /dev/null"]="catchup null"
    ["-n +1 | pipe"]="catchup pipe"
    ["-f -n +1 > /dev/null"]="catchup-f null"
    ["-f -n +1 | pipe"]="catchup-f pipe"
)
ORDER=("-n +1 > /dev/null" "-n +1 | pipe" "-f -n +1 > /dev/null" "-f -n +1 | pipe")

# Tools without a mode are reported once per case, as n/a.
for c in "${ORDER[@]}"; do
    read -r mode sink <<<"${CASES[$c]}"
    for t in "${TOOLS[@]}"; do
        why=$(tool_missing "$t")
        if [[ -n $why ]]; then
            record_fail "$c" "$t" 0 "$why"
        elif ! tool_cmd "$t" "$mode" "$RUN" "$LOG"; then
            [[ $t = cat ]] || record_na "$c" "$t" "$CMD_NA"
        fi
    done
done

for ((rep = 1; rep <= REPS; rep++)); do
    log "catch-up repetition $rep/$REPS ($SIZE_MB MiB)"
    for c in "${ORDER[@]}"; do
        read -r mode sink <<<"${CASES[$c]}"
        for t in $(order "${TOOLS[@]}"); do
            [[ -z $(tool_missing "$t") ]] || continue
            if [[ $t = cat && $mode = catchup-f ]]; then
                # cat cannot follow: its plain copy to the same sink is the
                # limit the -f rows are compared with.
                one "$c" cat "$rep" catchup "$sink"
                continue
            fi
            one "$c" "$t" "$rep" "$mode" "$sink"
        done
    done
done

# -n 10: the whole run of each tool, against the cost of starting any
# program at all (/bin/true).
c="-n 10 (last lines of a ${SIZE_MB} MiB file)"
LASTN_TOOLS=(atail gnu-tail busybox-tail)
for t in "${TOOLS[@]}"; do
    [[ " ${LASTN_TOOLS[*]} " = *" $t "* ]] && continue
    record_na "$c" "$t" "no -n N"
done
for ((rep = 1; rep <= LASTN_REPS; rep++)); do
    for t in $(order "${LASTN_TOOLS[@]}" exec-baseline); do
        st=$RUN/stats err=$RUN/err
        if [[ $t = exec-baseline ]]; then
            CMD=(/bin/true)
        else
            why=$(tool_missing "$t")
            if [[ -n $why ]]; then
                ((rep == 1)) && record_fail "$c" "$t" 0 "$why"
                continue
            fi
            tool_cmd "$t" lastn "$RUN" "$LOG"
        fi
        run_measured "$st" "$err" --out "$RUN/lastn.out" --timeout 60 -- "${CMD[@]}"
        check_run "$c" "$t" "$rep" "$st" "$err" 0 || continue
        if [[ $t != exec-baseline ]] && ! tail -n 10 "$LOG" | cmp -s - "$RUN/lastn.out"; then
            record_fail "$c" "$t" "$rep" "output differs from the file's last 10 lines"
            continue
        fi
        record "$c" "$t" "$rep" time "$(calc "$(kv "$st" wall_s) * 1000")" ms
        record "$c" "$t" "$rep" cpu "$(calc "$(kv "$st" cpu_s) * 1000")" ms
        record "$c" "$t" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
    done
done

# JSON output (atail only; the others have none).
c="JSON lines -n +1 > /dev/null"
for t in "${TOOLS[@]}"; do
    [[ $t = atail ]] && continue
    record_na "$c" "$t" "no JSON output"
done
if [[ -n $(tool_missing atail) ]]; then
    record_fail "$c" atail 0 "$(tool_missing atail)"
elif ! tool_cmd atail json "$RUN" "$LOG"; then
    record_na "$c" atail "$CMD_NA"
else
    for ((rep = 1; rep <= REPS; rep++)); do
        one "$c" atail "$rep" json null
    done
fi
end_workload
