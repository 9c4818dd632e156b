#!/usr/bin/env bash
# bench/python_binding.sh - the Python binding (issue 7) against the exercise.
#
# bench/peers/python_binding.py (`async with atail.open(...)`, `async for
# line in log`, stdout flushed after each batch) against the faithful
# pure-Python exercise, bench/peers/python_exercise.py (readline, 0.1 s
# asyncio.sleep at end of file, print per line), on the same files in the
# same run, interleaved (a fresh random order in every repetition) and
# repeated; one repetition does all three parts, so a change of load hits
# every part alike:
#
#   catch-up   the BENCH_SIZE_MB log (bench/.cache, from the page cache),
#              `-n +1` to /dev/null (until exit) and `-f -n +1` into a pipe
#              (until the reader has every byte); then lines only counted,
#              not written (the exercise's own follow() generator, imported
#              unchanged): what each one delivers without Python's output.
#              The binding runs as `async for` writing bytes, as the binding
#              README's print(line.decode()) example, and with batches().
#   latency    stamp_writer at BENCH_PY_LAT_RATES ("10 10000") lines/s for
#              BENCH_LAT_SECONDS, follower `-f -n 0` into latency_reader.
#   idle       1 and 1,000 files (BENCH_PY_IDLE_COUNTS), nothing written,
#              both followers at once; CPU and voluntary context switches
#              (wakeups) in a BENCH_IDLE_SECONDS window after a settling time.
#
# Records go to bench/results/raw/python.tsv (workload "python"); then
# bench/report.py adds the "Python binding vs the exercise" section to
# results.md. The binding is imported from a copy of $BUILD/python taken
# at the start, so a rebuild during the run cannot change what is measured.
# PYTHONUNBUFFERED is unset for both followers: it would turn every write
# of either into a system call (both are written for buffered output).
#
#   bench/python_binding.sh && bench/report.py
#   BENCH_QUICK=1 bench/python_binding.sh        a smoke run (~1 min)
# Knobs: those of lib.sh (BENCH_SIZE_MB, BENCH_REPS for catch-up,
# BENCH_LAT_REPS for latency and idle, BENCH_LAT_SECONDS, BENCH_IDLE_SECONDS,
# BENCH_PYTHON, BUILD), and BENCH_PY_LAT_RATES, BENCH_PY_IDLE_COUNTS,
# BENCH_PY_CATCHUP_TOOLS, BENCH_PY_FOLLOW_TOOLS.
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2153 # REPS and the other knobs come from lib.sh
ensure_helpers
begin_workload python
RUN=$SCRATCH/python
rm -rf "$RUN" && mkdir -p "$RUN"

PYBIND=$BENCH_DIR/peers/python_binding.py
RATES=${BENCH_PY_LAT_RATES:-10 10000}
IDLE_COUNTS=${BENCH_PY_IDLE_COUNTS:-1 1000}
SETTLE=${BENCH_IDLE_SETTLE:-3}
CATCHUP_TOOLS=${BENCH_PY_CATCHUP_TOOLS:-python-binding python-binding-print python-binding-batches
python-binding-chunks python-exercise}
FOLLOW_TOOLS=${BENCH_PY_FOLLOW_TOOLS:-python-binding python-exercise}
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# The followers' environment: the binding from a private copy, Python's
# output buffered (as a program run from a service manager has it).
unbuffered=${PYTHONUNBUFFERED:-}
unset PYTHONUNBUFFERED
PYPKG=$RUN/pkg
[[ -d $BUILD/python/atail ]] && cp -r "$BUILD/python" "$PYPKG"
export PYTHONPATH=$PYPKG${PYTHONPATH:+:$PYTHONPATH}
BINDING_MISSING=
if ! "$PYTHON" -c 'import atail' 2>"$RUN/import.err"; then
    BINDING_MISSING="the binding does not import ($BUILD/python; make):"
    BINDING_MISSING+=" $(tail -n1 "$RUN/import.err" | head -c 160)"
fi
{
    echo "python=$("$PYTHON" --version 2>&1) ($PYTHON)"
    so=$(stat -c '%y' "$BUILD"/python/atail/_atail*.so 2>/dev/null | head -n1 | cut -d. -f1)
    echo "binding=$so $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
    echo "settings=size=${SIZE_MB}MiB catchup_reps=$REPS follow_reps=$LAT_REPS" \
        "lat_s=$LAT_SECONDS rates=\"$RATES\" idle_s=$IDLE_SECONDS idle_counts=\"$IDLE_COUNTS\""
    [[ -n $unbuffered ]] &&
        echo "env=PYTHONUNBUFFERED=$unbuffered was set by the caller; unset for the followers"
} >>"$RAW/python.meta"

# The exercise's own generator, imported unchanged, its lines counted.
EXERCISE_COUNT='
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from python_exercise import follow

async def main(path):
    n = 0
    async for _ in follow(path, True, False):
        n += 1
    print(n)

asyncio.run(main(sys.argv[2]))
'

# py_missing TOOL: why TOOL cannot run (nothing if it can).
py_missing() {
    case $1 in
    python-binding*) echo "$BINDING_MISSING" ;;
    python-exercise*) tool_missing python-exercise ;;
    *) echo "unknown tool $1" ;;
    esac
}

# py_cmd TOOL MODE RUNDIR FILE...: sets CMD, as lib.sh's tool_cmd does.
# The binding's variants: python-binding (async for, bytes written),
# python-binding-print (print(line.decode())), python-binding-batches,
# python-binding-chunks (chunks=True: bytes as read); MODE
# count: lines counted, not written (the exercise through its generator).
py_cmd() {
    local tool=$1 mode=$2 rundir=$3
    shift 3
    local how=lines
    case $tool in
    python-binding-print) how=print ;;
    python-binding-batches) how=batches ;;
    python-binding-chunks) how=chunks ;;
    esac
    CMD=()
    case $tool:$mode in
    python-exercise:count) CMD=("$PYTHON" -c "$EXERCISE_COUNT" "$BENCH_DIR/peers" "$@") ;;
    python-exercise:*) tool_cmd python-exercise "$mode" "$rundir" "$@" ;;
    python-binding*:catchup) CMD=("$PYTHON" "$PYBIND" --mode "$how" -n +1 "$@") ;;
    python-binding*:catchup-f) CMD=("$PYTHON" "$PYBIND" --mode "$how" -f -n +1 "$@") ;;
    python-binding*:follow) CMD=("$PYTHON" "$PYBIND" --mode "$how" -f -n 0 "$@") ;;
    python-binding:count) CMD=("$PYTHON" "$PYBIND" --mode count -n +1 "$@") ;;
    esac
    ((${#CMD[@]}))
}

# ---- catch-up ---------------------------------------------------------------

LOG=$(catchup_log)
SIZE=$(stat -c %s "$LOG")
LINES=$((SIZE / LINE_SIZE))
MB=$(calc "$SIZE / 1e6")
TIMEOUT=$((60 + SIZE_MB / 4))
cat "$LOG" >/dev/null # into the page cache

declare -A CU_CASES=(
    ["catch-up -n +1 > /dev/null"]="catchup null"
    ["catch-up -f -n +1 | pipe"]="catchup-f pipe"
    ["delivered, not written (lines counted) -n +1"]="count count"
)
CU_ORDER=("catch-up -n +1 > /dev/null" "catch-up -f -n +1 | pipe"
    "delivered, not written (lines counted) -n +1")

# catchup_one CASE TOOL REP MODE SINK
catchup_one() {
    local case=$1 tool=$2 rep=$3 mode=$4 sink=$5
    local st=$RUN/stats err=$RUN/err rd=$RUN/reader secs following=0
    [[ $mode = catchup-f ]] && following=1
    rm -f "$st" "$rd"
    py_cmd "$tool" "$mode" "$RUN" "$LOG" || return 0
    case $sink in
    null | count)
        local out=/dev/null
        [[ $sink = count ]] && out=$RUN/count.out
        run_measured "$st" "$err" --out "$out" --timeout "$TIMEOUT" -- "${CMD[@]}"
        check_run "$case" "$tool" "$rep" "$st" "$err" 0 || return 0
        if [[ $sink = count && $(head -n1 "$out") != "$LINES" ]]; then
            record_fail "$case" "$tool" "$rep" "counted $(head -c 40 "$out") lines of $LINES"
            return 0
        fi
        secs=$(kv "$st" wall_s)
        ;;
    pipe)
        run_measured "$st" "$err" --timeout "$TIMEOUT" -- "${CMD[@]}" \
            '|' "$BIN/latency_reader" --bytes "$SIZE" --out "$rd"
        check_run "$case" "$tool" "$rep" "$st" "$err" "$following" || return 0
        local got
        got=$(kv "$rd" bytes)
        if [[ $got != "$SIZE" ]]; then
            record_fail "$case" "$tool" "$rep" "printed $got bytes of $SIZE"
            return 0
        fi
        secs=$(calc "($(kv "$rd" last_ns) - $(kv "$st" start_ns)) / 1e9")
        ;;
    esac
    record "$case" "$tool" "$rep" throughput "$(calc "$MB / $secs")" MB/s
    record "$case" "$tool" "$rep" lines_per_s "$(calc "$LINES / $secs / 1e6")" Mlines/s
    record "$case" "$tool" "$rep" time "$secs" s
    record "$case" "$tool" "$rep" cpu "$(kv "$st" cpu_s)" s
    record "$case" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
}

catchup_rep() {
    local rep=$1 c mode sink t tools
    log "catch-up repetition $rep/$REPS ($SIZE_MB MiB)"
    for c in "${CU_ORDER[@]}"; do
        read -r mode sink <<<"${CU_CASES[$c]}"
        tools=$CATCHUP_TOOLS
        # Counting lines is the same loop for every variant of the binding.
        [[ $mode = count ]] && tools="python-binding python-exercise"
        for t in $(order $tools); do
            [[ -z $(py_missing "$t") ]] || continue
            catchup_one "$c" "$t" "$rep" "$mode" "$sink"
        done
    done
}

# ---- latency ------------------------------------------------------------------

# latency_one CASE TOOL REP RATE (as latency.sh's run_latency)
latency_one() {
    local case=$1 tool=$2 rep=$3 rate=$4
    local dir=$RUN/lat-$tool
    rm -rf "$dir" && mkdir -p "$dir"
    : >"$dir/app.log"
    py_cmd "$tool" follow "$dir" "$dir/app.log" || return 0
    measure_latency "$case" "$tool" "$rep" "$rate" "$dir" "$dir/app.log"
}

latency_rep() {
    local rep=$1 rate t
    for rate in $RATES; do
        log "latency at $rate lines/s, repetition $rep/$LAT_REPS"
        for t in $(order $FOLLOW_TOOLS); do
            [[ -z $(py_missing "$t") ]] || continue
            latency_one "latency $rate lines/s" "$t" "$rep" "$rate"
        done
    done
}

# ---- idle ---------------------------------------------------------------------

idle_rep() {
    local rep=$1 n case t i dir pids tools
    for n in $IDLE_COUNTS; do
        case="idle $n file$( ((n > 1)) && echo s), ${IDLE_SECONDS} s"
        log "$case, repetition $rep/$LAT_REPS"
        pids=()
        tools=()
        for t in $(order $FOLLOW_TOOLS); do
            [[ -z $(py_missing "$t") ]] || continue
            dir=$RUN/idle-$t
            make_idle_files "$dir" "$n"
            py_cmd "$t" follow "$dir" "$dir"/files/*.log || continue
            run_measured_bg "$dir/stats" "$dir/err" --out /dev/null \
                --window "$SETTLE:$((SETTLE + IDLE_SECONDS))" -- "${CMD[@]}"
            pids+=("$BG_PID")
            tools+=("$t")
        done
        wait "${pids[@]}"
        for i in "${!tools[@]}"; do
            record_idle "$case" "${tools[$i]}" "$rep" "$RUN/idle-${tools[$i]}"
        done
        rm -rf "$RUN"/idle-*
    done
}

# ---- the run --------------------------------------------------------------------

for t in $(printf '%s\n' $CATCHUP_TOOLS $FOLLOW_TOOLS | sort -u); do
    why=$(py_missing "$t")
    [[ -n $why ]] && record_fail "all" "$t" 0 "$why"
done
reps=$((REPS > LAT_REPS ? REPS : LAT_REPS))
for ((rep = 1; rep <= reps; rep++)); do
    echo "load_rep$rep=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/python.meta"
    ((rep <= REPS)) && catchup_rep "$rep"
    ((rep <= LAT_REPS)) && latency_rep "$rep"
    ((rep <= LAT_REPS)) && idle_rep "$rep"
done
rm -rf "$RUN"
end_workload
