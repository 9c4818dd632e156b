#!/usr/bin/env bash
# bench/idle.sh - workload 4: the cost of waiting.
#
# Every follower watches 1, then 1,000 files (-f -n 0) in which nothing is
# written. All tools run at the same time on their own copies of the files
# (idle followers do not disturb one another, and one window serves all).
# After a settling time, benchrun samples each follower's threads at the
# start and end of a BENCH_IDLE_SECONDS window: CPU time (schedstat) and
# context switches; voluntary switches are the wakeups (each is a return
# from a blocking wait).
source "$(dirname "$0")/lib.sh"
ensure_helpers
begin_workload idle
RUN=$SCRATCH/idle
COUNTS=${BENCH_IDLE_COUNTS:-1 1000}
SETTLE=${BENCH_IDLE_SETTLE:-3}
ulimit -n "$(ulimit -Hn)" 2>/dev/null

for n in $COUNTS; do
    for t in $FOLLOWERS; do
        why=$(tool_missing "$t")
        [[ -n $why ]] && record_fail "$n files, ${IDLE_SECONDS} s" "$t" 0 "$why"
    done
done
for ((rep = 1; rep <= LAT_REPS; rep++)); do
    for n in $COUNTS; do
        case="$n files, ${IDLE_SECONDS} s"
        log "idle: $case, repetition $rep/$LAT_REPS"
        pids=()
        tools=()
        for t in $(order $FOLLOWERS); do
            [[ -z $(tool_missing "$t") ]] || continue
            dir=$RUN/$t
            make_idle_files "$dir" "$n"
            if ((n == 1)); then
                tool_cmd "$t" follow "$dir" "$dir/files/f00000.log" || continue
            elif [[ $t = rsyslog-imfile ]]; then
                tool_cmd "$t" follow "$dir" "$dir/files" || continue
            else
                tool_cmd "$t" follow "$dir" "$dir"/files/*.log || continue
            fi
            run_measured_bg "$dir/stats" "$dir/err" --out /dev/null \
                --window "$SETTLE:$((SETTLE + IDLE_SECONDS))" -- "${CMD[@]}"
            pids+=("$BG_PID")
            tools+=("$t")
        done
        wait "${pids[@]}"
        for i in "${!tools[@]}"; do
            record_idle "$case" "${tools[$i]}" "$rep" "$RUN/${tools[$i]}"
        done
    done
done
rm -rf "$RUN"
end_workload
