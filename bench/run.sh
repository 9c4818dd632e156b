#!/usr/bin/env bash
# bench/run.sh - the benchmark suite (`make bench`): atail against cat, GNU
# tail, BusyBox tail, the Python asyncio exercise and rsyslog's imfile, on
# catch-up, follow latency, sustained follow, idle cost and many files.
# Writes bench/results/results.md and bench/results/chart.png.
#
#   bench/run.sh                      the full suite (about 85 min; 50 without nats)
#   BENCH_QUICK=1 bench/run.sh        a smoke run with small sizes (a few min)
#   BENCH_WORKLOADS="latency idle" bench/run.sh
#   BENCH_WORKLOADS=kill9 bench/run.sh   kill -9 restarts (bench/kill9_restarts.sh, ~3 min per seed;
#                                        not in the default set; writes results/kill9.md)
#   BENCH_WORKLOADS=nats bench/run.sh    atail --to=nats:// against a bare JetStream publisher
#                                        (bench/nats.sh, ~35 min at NATS_MB=1024, most of it the
#                                        catch-up; in the default set; writes results/nats.md,
#                                        which results.md includes)
#   BENCH_NOTE="..." bench/run.sh     a remark for the results' header
#   BENCH_WAIT_QUIET=1                wait (up to 10 min) for a load average below BENCH_QUIET_LOAD (1.0)
# Other knobs: see bench/lib.sh. Each workload script also runs alone
# (bench/latency.sh, ...), followed by bench/report.py.
source "$(dirname "$0")/lib.sh"

WORKLOADS=${BENCH_WORKLOADS:-catchup latency sustained idle manyfiles python_binding nats}

if [[ $(id -u) -eq 0 ]]; then
    "$BENCH_DIR/install-deps.sh" || log "warning: install-deps failed; missing peers will show as FAILED"
fi
ensure_helpers
[[ -x $ATAIL ]] || log "warning: $ATAIL is not built: its rows will show as FAILED"

if [[ ${BENCH_WAIT_QUIET:-0} = 1 ]]; then
    for ((i = 0; i < 60; i++)); do
        awk -v max="${BENCH_QUIET_LOAD:-1.0}" "{ exit !(\$1 < max) }" /proc/loadavg && break
        ((i == 0)) && log "waiting for a quiet machine (load $(cut -d' ' -f1 /proc/loadavg))"
        sleep 10
    done
fi

rm -rf "$RAW"
mkdir -p "$RAW"
{
    machine_header
    echo "settings=quick=$QUICK size=${SIZE_MB}MiB reps=$REPS follow_reps=$LAT_REPS latency_reps=$LATENCY_REPS" \
        "lat_s=$LAT_SECONDS sustain_s=$SUSTAIN_SECONDS idle_s=$IDLE_SECONDS" \
        "many_s=$MANY_SECONDS many=\"$MANY_COUNTS\""
    echo "note=${BENCH_NOTE:-}"
} >"$RAW/machine.txt"

for w in $WORKLOADS; do
    script=$BENCH_DIR/$w.sh
    [[ $w = kill9 ]] && script=$BENCH_DIR/kill9_restarts.sh
    [[ -x $script ]] || die "no workload $w"
    "$script" || log "workload $w ended with an error"
done
rm -rf "$SCRATCH"
"${PYTHON:-python3}" "$BENCH_DIR/report.py" "$RESULTS"
