# shellcheck shell=bash disable=SC2034
# bench/lib.sh - shared by the workload scripts (sourced, not run).
#
# Knobs (environment):
#   BENCH_QUICK=1          smoke run: small sizes, short durations, 1 repetition
#   BENCH_SIZE_MB=1024     size of the catch-up log (cached in bench/.cache)
#   BENCH_REPS=3           repetitions of the catch-up runs (each interleaves the tools)
#   BENCH_LAT_REPS=3       repetitions of follow runs (sustained, many files, idle)
#   BENCH_LATENCY_REPS=5   repetitions of the latency workload: atail and GNU tail are
#                          within microseconds of each other there, and of the machine's
#                          floor, so it takes more repetitions to tell a difference from noise
#   BENCH_LAT_SECONDS=10   writing time per latency run
#   BENCH_SUSTAIN_SECONDS=10
#   BENCH_IDLE_SECONDS=30
#   BENCH_MANY_SECONDS=10  BENCH_MANY_COUNTS="1000 10000"
#   BENCH_TOOLS="atail gnu-tail busybox-tail python-exercise rsyslog-imfile"
#   BUILD=build            where build/atail is; BENCH_BUILD (default $BUILD) for the helpers
#   ATAIL=path             the atail binary to measure (default $BUILD/atail)
#
# Every measurement is one record (a line of bench/results/raw/WORKLOAD.tsv):
#   case  tool  rep  metric  value  unit  note
# value "FAIL" with the reason in note marks a peer that failed that run; the
# report (bench/report.py) shows it, it never drops a tool.

set -uo pipefail
unset PYTHONUNBUFFERED # the Python peers buffer their output, as users run them

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
BENCH_BUILD=${BENCH_BUILD:-$BUILD}
BIN=$BENCH_BUILD/bench
ATAIL=${ATAIL:-$BUILD/atail}
PYEX=$BENCH_DIR/peers/python_exercise.py
# The interpreter itself, not a version manager's shim (a shell script that
# would add its own start-up to every run); Debian's when present.
PYTHON=${BENCH_PYTHON:-}
if [[ -z $PYTHON ]]; then
    if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3
    else PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3); fi
fi
CACHE=${BENCH_CACHE:-$BENCH_DIR/.cache}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
RAW=$RESULTS/raw
SCRATCH=${BENCH_SCRATCH:-$CACHE/run}

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK = 1 ]]; then
    : "${BENCH_SIZE_MB:=16}" "${BENCH_REPS:=1}" "${BENCH_LAT_REPS:=1}" "${BENCH_LATENCY_REPS:=1}"
    : "${BENCH_LAT_SECONDS:=1}" "${BENCH_SUSTAIN_SECONDS:=2}" "${BENCH_IDLE_SECONDS:=3}"
    : "${BENCH_MANY_SECONDS:=1}" "${BENCH_MANY_COUNTS:=100 1000}" "${BENCH_LASTN_REPS:=3}"
fi
SIZE_MB=${BENCH_SIZE_MB:-1024}
REPS=${BENCH_REPS:-3}
LAT_REPS=${BENCH_LAT_REPS:-3}
LATENCY_REPS=${BENCH_LATENCY_REPS:-5}
LAT_SECONDS=${BENCH_LAT_SECONDS:-10}
SUSTAIN_SECONDS=${BENCH_SUSTAIN_SECONDS:-10}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-30}
MANY_SECONDS=${BENCH_MANY_SECONDS:-10}
MANY_COUNTS=${BENCH_MANY_COUNTS:-1000 10000}
LASTN_REPS=${BENCH_LASTN_REPS:-20}
LINE_SIZE=100
FOLLOWERS=${BENCH_TOOLS:-atail gnu-tail busybox-tail python-exercise rsyslog-imfile}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- build of the helpers ----------------------------------------------------

ensure_helpers() {
    local h stale=0
    for h in benchrun stamp_writer latency_reader; do
        [[ -x $BIN/$h && $BIN/$h -nt $BENCH_DIR/$h.c ]] || stale=1
    done
    ((stale)) || return 0
    log "building the benchmark helpers in $BENCH_BUILD"
    if [[ ! -f $BENCH_BUILD/bench/Makefile ]]; then
        cmake -S "$ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
            die "cmake configure failed"
    fi
    cmake --build "$BENCH_BUILD" --target bench_helpers >/dev/null || die "helpers do not build"
}

# ---- records --------------------------------------------------------------------

WORKLOAD=
begin_workload() {
    WORKLOAD=$1
    mkdir -p "$RAW" "$SCRATCH"
    : >"$RAW/$WORKLOAD.tsv"
    {
        echo "workload=$WORKLOAD"
        echo "started=$(date -u +%FT%TZ)"
        echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "quick=$QUICK"
        cpu_fields # each result says where it was measured, even run alone
        atail_version
    } >"$RAW/$WORKLOAD.meta"
    log "workload $WORKLOAD"
}
end_workload() {
    {
        echo "finished=$(date -u +%FT%TZ)"
        echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    } >>"$RAW/$WORKLOAD.meta"
}
# record CASE TOOL REP METRIC VALUE UNIT [NOTE]
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" \
        >>"$RAW/$WORKLOAD.tsv"
}
# record_fail CASE TOOL REP REASON
record_fail() {
    local reason=${4//$'\t'/ }
    reason=${reason//$'\n'/ }
    record "$1" "$2" "$3" status FAIL - "${reason:0:160}"
    log "  $2 ($1): FAILED: ${reason:0:160}"
}

# kv FILE KEY: the value of KEY=... in a key=value file (empty if absent).
kv() { [[ -f $1 ]] && sed -n "s/^$2=//p" "$1" | head -n1; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }

# ---- the tools ----------------------------------------------------------------

# tool_missing TOOL: prints why TOOL cannot run here (nothing if it can).
tool_missing() {
    case $1 in
    atail) [[ -x $ATAIL ]] || echo "$ATAIL not built" ;;
    gnu-tail) [[ -x /usr/bin/tail ]] || echo "/usr/bin/tail missing" ;;
    busybox-tail) command -v busybox >/dev/null || echo "busybox not installed (bench/install-deps.sh)" ;;
    python-exercise) [[ -x $PYTHON ]] || command -v "$PYTHON" >/dev/null || echo "python3 missing" ;;
    rsyslog-imfile)
        command -v rsyslogd >/dev/null || { echo "rsyslogd not installed (bench/install-deps.sh)"; return; }
        [[ -e /usr/lib/x86_64-linux-gnu/rsyslog/imfile.so || -n $(find /usr/lib -name imfile.so 2>/dev/null | head -n1) ]] ||
            echo "rsyslog imfile module missing"
        ;;
    cat | fifo-cat) : ;;
    *) echo "unknown tool $1" ;;
    esac
}

# atail_has OPTION: whether atail's --help mentions OPTION.
# (grep reads the whole help: with -q it could stop first, atail then dies of
# SIGPIPE, and under pipefail a run was silently skipped.)
atail_has() { [[ -x $ATAIL ]] && "$ATAIL" --help 2>/dev/null | grep -- "$1" >/dev/null; }

# rsyslog_config DIR PATTERN [INPUT_PARAMS]: a private rsyslogd setup in DIR
# reading the files PATTERN matches (a path or a glob) from their start,
# writing each line's bare message to its standard output; INPUT_PARAMS are
# added to the imfile input() (e.g. persistStateInterval="1000"). Its state
# files go to DIR/rsyslog/work. Sets CMD to its command line.
rsyslog_config() {
    local dir=$1 pattern=$2 params=${3:-}
    rm -rf "$dir/rsyslog" && mkdir -p "$dir/rsyslog/work"
    cat >"$dir/rsyslog/rsyslog.conf" <<EOF
# private instance for bench/: foreground, own work directory, no system input
global(workDirectory="$dir/rsyslog/work" maxMessageSize="64k")
module(load="imfile" mode="inotify")
template(name="bare" type="string" string="%msg%\\n")
input(type="imfile" file="$pattern" tag="bench" ruleset="out"${params:+ $params})
ruleset(name="out") {
  action(type="omfile" file="/dev/stdout" template="bare")
}
EOF
    CMD=(rsyslogd -n -f "$dir/rsyslog/rsyslog.conf" -i "$dir/rsyslog/rsyslogd.pid")
}

# tool_cmd TOOL MODE RUNDIR FILE... : sets the array CMD to the command line
# of TOOL in MODE, or returns 1 when TOOL has no such mode (CMD_NA says why).
#   catchup       print FILE from its first line, then exit (-n +1)
#   catchup-f     the same, then keep following (-f -n +1)
#   lastn         print the last 10 lines (-n 10)
#   json          catchup with JSON output
#   follow        follow FILE... from their current end (-f -q -n 0); with a
#                 directory glob for rsyslog when FILE is a directory
CMD=()
CMD_NA=
tool_cmd() {
    local tool=$1 mode=$2 rundir=$3
    shift 3
    CMD=()
    CMD_NA=
    case $tool:$mode in
    cat:catchup) CMD=(cat "$@") ;;
    cat:*) CMD_NA="cat cannot follow or seek to the end" ;;
    atail:catchup) CMD=("$ATAIL" -n +1 "$@") ;;
    atail:catchup-f) CMD=("$ATAIL" -f -n +1 "$@") ;;
    atail:lastn) CMD=("$ATAIL" -n 10 "$@") ;;
    atail:json)
        if atail_has --output; then CMD=("$ATAIL" --output=json -n +1 "$@")
        else CMD_NA="this atail has no --output=json yet (issue 4)"; fi ;;
    atail:follow) CMD=("$ATAIL" -f -q -n 0 "$@") ;;
    gnu-tail:catchup) CMD=(/usr/bin/tail -n +1 "$@") ;;
    gnu-tail:catchup-f) CMD=(/usr/bin/tail -f -n +1 "$@") ;;
    gnu-tail:lastn) CMD=(/usr/bin/tail -n 10 "$@") ;;
    gnu-tail:follow) CMD=(/usr/bin/tail -f -q -n 0 "$@") ;;
    gnu-tail:json) CMD_NA="no JSON output" ;;
    busybox-tail:catchup) CMD=(busybox tail -n +1 "$@") ;;
    busybox-tail:catchup-f) CMD=(busybox tail -f -n +1 "$@") ;;
    busybox-tail:lastn) CMD=(busybox tail -n 10 "$@") ;;
    busybox-tail:follow) CMD=(busybox tail -f -q -n 0 "$@") ;;
    busybox-tail:json) CMD_NA="no JSON output" ;;
    python-exercise:catchup) CMD=("$PYTHON" "$PYEX" -n +1 "$@") ;;
    python-exercise:catchup-f) CMD=("$PYTHON" "$PYEX" -f -n +1 "$@") ;;
    python-exercise:follow) CMD=("$PYTHON" "$PYEX" -f -n 0 "$@") ;;
    python-exercise:*) CMD_NA="the exercise has no such mode" ;;
    rsyslog-imfile:catchup-f | rsyslog-imfile:follow)
        # imfile reads a new file from its start; for `follow` the files
        # are empty when it starts, so that is also "from the end".
        local pattern=$1
        [[ -d $1 ]] && pattern="$1/*.log"
        rsyslog_config "$rundir" "$pattern" ;;
    rsyslog-imfile:catchup) CMD_NA="imfile always follows (see the -f rows)" ;;
    rsyslog-imfile:*) CMD_NA="imfile has no such mode" ;;
    *) CMD_NA="no mode $mode" ;;
    esac
    [[ -z $CMD_NA ]]
}

# ---- running ------------------------------------------------------------------

# run_measured STATS ERRFILE BENCHRUN_OPTIONS... -- CMD... ['|' READER...]
run_measured() {
    local stats=$1 err=$2
    shift 2
    "$BIN/benchrun" --stats "$stats" "$@" 2>"$err"
}

# run_measured_bg STATS ERRFILE BENCHRUN_OPTIONS... : the same in the
# background; BG_PID is benchrun's own pid (signals reach it, not a subshell).
BG_PID=
run_measured_bg() {
    local stats=$1 err=$2
    shift 2
    "$BIN/benchrun" --stats "$stats" "$@" 2>"$err" &
    BG_PID=$!
}

# check_run CASE TOOL REP STATS ERRFILE FOLLOWING: records a failure and
# returns 1 when the run timed out or the tool exited with an error (a
# following tool is expected to be stopped by us).
check_run() {
    local case=$1 tool=$2 rep=$3 stats=$4 err=$5 following=$6
    local status exit killed
    status=$(kv "$stats" status)
    exit=$(kv "$stats" exit)
    killed=$(kv "$stats" killed)
    if [[ -z $status ]]; then
        record_fail "$case" "$tool" "$rep" "benchrun gave no result: $(head -c 200 "$err")"
        return 1
    fi
    if [[ $status != ok ]]; then
        record_fail "$case" "$tool" "$rep" "$status: $(head -c 200 "$err")"
        return 1
    fi
    if [[ $killed = 1 && $following = 0 ]]; then
        record_fail "$case" "$tool" "$rep" "did not exit: $(head -c 200 "$err")"
        return 1
    fi
    # A follower whose reader is done may die of SIGPIPE (141) before it is
    # stopped (SIGTERM, 143): both are the expected end of a following run.
    if [[ $following = 1 && ($exit = 141 || $exit = 143) ]]; then
        return 0
    fi
    if [[ $killed != 1 && $exit != 0 ]]; then
        record_fail "$case" "$tool" "$rep" "exit $exit: $(head -c 200 "$err")"
        return 1
    fi
    return 0
}

# wait_ready READYFILE FILE TIMEOUT_S: appends probe lines to FILE every
# 50 ms until the reader has seen one (it creates READYFILE), so the
# follower is known to be watching before measured lines are written.
wait_ready() {
    local ready=$1 file=$2 timeout=$3 i
    local n=$((timeout * 20))
    for ((i = 0; i < n; i++)); do
        [[ -e $ready ]] && return 0
        printf 'probe %d\n' "$i" >>"$file"
        sleep 0.05
    done
    [[ -e $ready ]]
}

# follow_into_reader CASE TOOL REP DIR PROBE_FILE TIMEOUT_S READY_S COUNT IDLE_S:
# runs CMD (a follower) into latency_reader in the background (BG_PID;
# DIR/stats, DIR/err, DIR/lat) until COUNT stamped lines or IDLE_S without
# input, and waits until a probe line appended to PROBE_FILE came out, so
# the follower is watching. Returns 1, the failure recorded, if none came
# within READY_S.
follow_into_reader() {
    local case=$1 tool=$2 rep=$3 dir=$4 probe=$5 timeout=$6 ready=$7 count=$8 idle=$9
    run_measured_bg "$dir/stats" "$dir/err" --timeout "$timeout" -- "${CMD[@]}" \
        '|' "$BIN/latency_reader" --ready-file "$dir/ready" --count "$count" --idle-exit "$idle" \
        --out "$dir/lat"
    local brun=$BG_PID
    wait_ready "$dir/ready" "$probe" "$ready" && return 0
    kill -TERM "$brun" 2>/dev/null
    wait "$brun"
    record_fail "$case" "$tool" "$rep" \
        "printed no probe line within $ready s: $(head -c 200 "$dir/err")"
    return 1
}

# measure_latency CASE TOOL REP RATE DIR FILE: runs CMD (the follower of
# FILE, set by the caller) into latency_reader, appends RATE lines/s to FILE
# for LAT_SECONDS once the follower is seen watching, and records the
# latency percentiles, lost lines, CPU and peak RSS (workload 2, and the
# Python binding's latency).
measure_latency() {
    local case=$1 tool=$2 rep=$3 rate=$4 dir=$5 f=$6
    local st=$dir/stats err=$dir/err lat=$dir/lat count limit brun got note=
    count=$(awk -v r="$rate" -v s="$LAT_SECONDS" 'BEGIN { c = int(r * s); print (c < 20 ? 20 : c) }')
    limit=$(awk -v c="$count" -v r="$rate" 'BEGIN { print int(c / r) + 90 }')
    follow_into_reader "$case" "$tool" "$rep" "$dir" "$f" "$limit" 30 "$count" 5 || return 0
    brun=$BG_PID
    "$BIN/stamp_writer" --file "$f" --rate "$rate" --count "$count" --size "$LINE_SIZE" \
        --report "$dir/writer"
    wait "$brun"
    check_run "$case" "$tool" "$rep" "$st" "$err" 1 || return 0
    got=$(kv "$lat" stamped)
    if [[ -z $(kv "$lat" p50_us) ]]; then
        record_fail "$case" "$tool" "$rep" "no stamped line came out ($got of $count)"
        return 0
    fi
    ((got < count)) && note="$((count - got)) of $count lines missing at the end"
    record "$case" "$tool" "$rep" p50 "$(kv "$lat" p50_us)" us "$note"
    record "$case" "$tool" "$rep" p99 "$(kv "$lat" p99_us)" us "$note"
    record "$case" "$tool" "$rep" max "$(kv "$lat" max_us)" us "$note"
    record "$case" "$tool" "$rep" lost "$((count - got))" lines
    record "$case" "$tool" "$rep" cpu "$(kv "$st" cpu_s)" s
    record "$case" "$tool" "$rep" peak_rss "$(calc "$(kv "$st" maxrss_kb) / 1024")" MiB
    record "$case" "$tool" "$rep" writer_rate "$(kv "$dir/writer" rate)" lines/s
}

# make_idle_files DIR N: DIR/files/f00000.log ... (N files of one line).
make_idle_files() {
    local dir=$1 n=$2 i name
    rm -rf "$dir" && mkdir -p "$dir/files"
    for ((i = 0; i < n; i++)); do
        printf -v name 'f%05d.log' "$i"
        echo "an old line" >"$dir/files/$name"
    done
}

# record_idle CASE TOOL REP DIR: records an idle follower's CPU, wakeups
# and peak RSS in its benchrun window (DIR/stats, DIR/err).
record_idle() {
    local case=$1 t=$2 rep=$3 dir=$4
    check_run "$case" "$t" "$rep" "$dir/stats" "$dir/err" 1 || return 0
    if [[ -z $(kv "$dir/stats" win_cpu_s) ]]; then
        record_fail "$case" "$t" "$rep" "exited before the window: $(head -c 200 "$dir/err")"
        return 0
    fi
    record "$case" "$t" "$rep" cpu "$(kv "$dir/stats" win_cpu_s)" s
    record "$case" "$t" "$rep" wakeups "$(kv "$dir/stats" win_vcsw)" count
    record "$case" "$t" "$rep" wakeups_per_s "$(calc "$(kv "$dir/stats" win_vcsw) / $IDLE_SECONDS")" 1/s
    record "$case" "$t" "$rep" involuntary "$(kv "$dir/stats" win_ivcsw)" count
    record "$case" "$t" "$rep" peak_rss "$(calc "$(kv "$dir/stats" maxrss_kb) / 1024")" MiB
}

# order TOOLS...: the tools in a random order (a new one for every
# repetition, so no tool always runs first or after the slowest).
order() { printf '%s\n' "$@" | shuf; }

# cpu_fields: the machine a result is measured on, as key=value lines:
# its CPU model (/proc/cpuinfo's model name), cores and kernel.
cpu_fields() {
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
    echo "cores=$(nproc)"
    echo "kernel=$(uname -sr)"
}

# atail_version: the atail measured (version, commit), as atail=...
atail_version() {
    echo "atail=$("$ATAIL" --version 2>/dev/null | head -n1) $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
}

machine_header() {
    cpu_fields
    echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "fs=$(df -T "$CACHE" 2>/dev/null | awk 'NR==2 {print $2}')"
    echo "date=$(date -u +'%F %T UTC')"
    echo "gnu_tail=$(/usr/bin/tail --version | head -n1)"
    echo "busybox=$(busybox 2>&1 | head -n1 | cut -d' ' -f1-2)"
    echo "python=$("$PYTHON" --version 2>&1) ($PYTHON)"
    echo "rsyslog=$(rsyslogd -v 2>/dev/null | head -n1 | awk '{print $2}')"
    atail_version
}

# record_na CASE TOOL REASON: TOOL has no way to run CASE (shown as n/a).
record_na() {
    record "$1" "$2" 0 status NA - "$3"
}

# catchup_log: path of the catch-up log (BENCH_SIZE_MB MiB of 100-byte
# lines in log_writer's format), generated once into the cache.
catchup_log() {
    local lines=$((SIZE_MB * 1048576 / LINE_SIZE))
    local f=$CACHE/catchup-${SIZE_MB}M.log
    if [[ ! -f $f || $(stat -c %s "$f") -ne $((lines * LINE_SIZE)) ]]; then
        log "generating $f ($lines lines of $LINE_SIZE bytes)"
        mkdir -p "$CACHE"
        rm -f "$f.tmp"
        "$BIN/stamp_writer" --file "$f.tmp" --format log --count "$lines" --size "$LINE_SIZE" \
            --batch || die "cannot generate $f"
        mv "$f.tmp" "$f"
    fi
    echo "$f"
}
