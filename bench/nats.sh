#!/usr/bin/env bash
# bench/nats.sh - atail --to=nats:// against the bare C publisher
# (bench/nats_pub.c: same libnats, same window, same headers, no file), on
# nats-server -js started here (own port and store), in the same run:
#
#   catch-up   a log of NATS_MB MiB of 100-byte lines (log_writer) shipped
#              from its start, NATS_REPS times, interleaved with the bare
#              publisher sending as many lines from memory: lines/s, MB/s,
#              CPU, peak RSS; atail's peak RSS also at NATS_MB/4 (first rep)
#   steady     log_writer --mono appending at each rate of NATS_RATES for
#              NATS_RATE_SECONDS while atail -F ships, and the bare
#              publisher at the same rate (random order, NATS_STEADY_REPS
#              times): lines/s delivered, lines not yet stored when the
#              writer stops, all lines there once (seqcheck), CPU per line,
#              peak RSS, and the delay from each line's write to its
#              storage (mono= stamps against the stream's timestamps:
#              tools/jstool stamps, bench/nats_delay.py)
#   down       atail -F ships a log growing at NATS_DOWN_RATE while the
#              server is stopped for each D of NATS_DOWN seconds, then
#              restarted on the same store: atail's peak RSS for each D
#              (before the stop, at the restart, whole run), every line in
#              the stream once (seqcheck)
#   kill9      NATS_KILLS SIGKILLs of atail at random moments while
#              log_writer writes NATS_KILL_LINES lines at NATS_KILL_RATE/s,
#              restarted at once: lines lost and duplicated in the stream
#              (seqcheck over an independent read, tools/jstool)
#
# Knobs (BENCH_QUICK=1 makes every default small): NATS_MB (1024),
# NATS_REPS (3), NATS_WINDOW (1024), NATS_RATES ("1000 10000 30000"),
# NATS_RATE_SECONDS (10), NATS_STEADY_REPS (3), NATS_DOWN ("2 20"),
# NATS_DOWN_RATE (10000), NATS_KILLS (10), NATS_KILL_LINES (100000),
# NATS_KILL_RATE (10000), NATS_PARTS ("catchup steady down kill9").
# Output: bench/results/nats.md (NATS_OUT), raw records in
# bench/results/raw/nats.tsv.
source "$(dirname "$0")/lib.sh"

if [[ $QUICK = 1 ]]; then
    : "${NATS_MB:=16}" "${NATS_REPS:=1}" "${NATS_RATES:=1000 10000}" "${NATS_RATE_SECONDS:=2}"
    : "${NATS_STEADY_REPS:=1}" "${NATS_DOWN:=1 4}" "${NATS_DOWN_RATE:=5000}" "${NATS_KILLS:=3}"
    : "${NATS_KILL_LINES:=20000}"
fi
MB=${NATS_MB:-1024}
NREPS=${NATS_REPS:-3}
WINDOW=${NATS_WINDOW:-1024}
RATES=${NATS_RATES:-1000 10000 30000}
RATE_S=${NATS_RATE_SECONDS:-10}
SREPS=${NATS_STEADY_REPS:-3}
DOWNS=${NATS_DOWN:-2 20}
DRATE=${NATS_DOWN_RATE:-10000}
KILLS=${NATS_KILLS:-10}
KLINES=${NATS_KILL_LINES:-100000}
KRATE=${NATS_KILL_RATE:-10000}
PARTS=${NATS_PARTS:-catchup steady down kill9}
OUT=${NATS_OUT:-$RESULTS/nats.md}
JSTOOL=$BUILD/jstool
PUB=$BIN/nats_pub
WRITER=$BUILD/log_writer
SEQCHECK=$BUILD/seqcheck
DELAY=$BENCH_DIR/nats_delay.py
command -v nats-server >/dev/null || PATH=$PATH:/usr/sbin
command -v nats-server >/dev/null || die "nats-server is not installed (Debian: nats-server)"
[[ -x $PUB && -x $JSTOOL ]] || die "build first (make all; libnats-dev): $PUB, $JSTOOL"
has() { [[ " $PARTS " = *" $1 "* ]]; }

begin_workload nats
rm -f "$OUT" # a run that dies leaves none, rather than an older run's
t_start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
dir=$SCRATCH/nats
rm -rf "$dir"
mkdir -p "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
server=
# start_server [keep]: a server on $port, its store emptied unless keep.
start_server() {
    [[ ${1:-} = keep ]] || rm -rf "$dir/js"
    nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/js" >"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 300); do grep -q "Server is ready" "$dir/server.log" && return; sleep 0.1; done
    die "nats-server did not start"
}
stop_server() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=; }
fresh_stream() { start_server && "$JSTOOL" "$url" create S 'logs.>' >/dev/null; }
count() { "$JSTOOL" "$url" count S 2>/dev/null || echo 0; }
# wait_count N SECONDS: until the stream holds N messages; 1 if it did not.
wait_count() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do (($(count) >= $1)) && return 0; sleep 0.1; done
    return 1
}
follower=
trap 'kill -TERM $follower 2>/dev/null; stop_server; rm -rf "$dir"' EXIT

# start_follower RUNDIR LIMIT_S: atail -F shipping RUNDIR/app.log (subject
# logs.app_log) and RUNDIR/probe.log under benchrun (RUNDIR/stats); returns
# once a probe line is in the stream, so atail is known to be connected and
# watching before the measured lines are written (the stream then holds
# one message more than the log).
start_follower() {
    local d=$1
    : >"$d/app.log"
    : >"$d/probe.log"
    run_measured_bg "$d/stats" "$d/err" --out /dev/null --timeout "$2" -- \
        "$ATAIL" -F -n +1 --window="$WINDOW" --to="$url" --subject='logs.{file}' \
        "$d/app.log" "$d/probe.log"
    follower=$BG_PID
    echo probe >>"$d/probe.log"
    wait_count 1 30 || die "atail shipped no probe line within 30 s: $(head -c 300 "$d/err")"
}
stop_follower() { kill -TERM "$follower" 2>/dev/null; wait "$follower"; follower=; }
# vm FIELD: atail's VmHWM or VmRSS now, in KB (the follower's child).
vm() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$(pgrep -P "$follower" | head -n1)/status" 2>/dev/null; }
# fmt DECIMALS EXPR: EXPR rounded for the tables.
fmt() { awk "BEGIN { printf \"%.$1f\", $2 }"; }
# check_stream N OUTFILE: seqcheck's verdict over the app lines in the stream.
check_stream() {
    "$JSTOOL" "$url" dump S logs.app_log >"$2"
    "$SEQCHECK" --expect="$1" "$2" 2>&1 | tail -1
}
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')

# ---- catch-up ------------------------------------------------------------------

# measure TAG CMD...: one measured run, "seconds rss_kb cpu_s" of CMD, or
# "FAILED - -"; its standard error in $dir/TAG.err.
measure() {
    local err=$dir/$1.err
    shift
    if ! /usr/bin/time -f '%e %M %U %S' -o "$dir/time" "$@" >/dev/null 2>"$err"; then
        log "nats: FAILED: $* ($(head -c 300 "$err"))"
        echo "FAILED - -"
        return
    fi
    awk '{ print $1, $2, $3 + $4 }' "$dir/time"
}

# record_catchup CASE TOOL REP SECONDS CPU_S RSS_KB
record_catchup() {
    if [[ $4 = FAILED ]]; then
        record_fail "$1" "$2" "$3" "$(head -c 200 "$dir/$2.err")"
        return
    fi
    record "$1" "$2" "$3" seconds "$4" s
    record "$1" "$2" "$3" cpu "$5" s
    record "$1" "$2" "$3" peak_rss "$6" KB
}

rows=()
lines=$((MB * 1024 * 1024 / 100))
if has catchup; then
    log "nats: making a $MB MiB log ($lines lines of 100 bytes)"
    "$WRITER" -f "$dir/big.log" -c "$lines" -i 0 -s 100 --no-time
    "$WRITER" -f "$dir/quarter.log" -c "$((lines / 4))" -i 0 -s 100 --no-time
    for ((r = 1; r <= NREPS; r++)); do
        fresh_stream
        read -r at_s at_rss at_cpu < <(measure atail "$ATAIL" -n +1 --window="$WINDOW" --to="$url" \
            --subject='logs.{host}.{file}' "$dir/big.log")
        n=$(count)
        [[ $at_s = FAILED || $n -eq $lines ]] || { log "nats: atail: the stream holds $n of $lines messages"; at_s=FAILED; }
        stop_server
        fresh_stream
        read -r bare_s bare_rss bare_cpu < <(measure bare "$PUB" "$url" logs.bare "$lines" 100 "$WINDOW")
        stop_server
        q_rss=-
        if ((r == 1)); then # its peak RSS does not change from rep to rep
            fresh_stream
            read -r _ q_rss _ < <(measure quarter "$ATAIL" -n +1 --window="$WINDOW" --to="$url" "$dir/quarter.log")
            stop_server
        fi
        rows+=("$r $at_s $at_rss $at_cpu $bare_s $bare_rss $bare_cpu $q_rss")
        record_catchup catchup atail "$r" "$at_s" "$at_cpu" "$at_rss"
        record_catchup catchup bare "$r" "$bare_s" "$bare_cpu" "$bare_rss"
        [[ $q_rss = - ]] || record catchup-quarter atail "$r" peak_rss "$q_rss" KB
        log "nats: rep $r: atail $at_s s (peak RSS $at_rss KB; $q_rss KB at a quarter), bare $bare_s s"
    done
    rm -f "$dir/big.log" "$dir/quarter.log"
fi

# ---- steady rates ----------------------------------------------------------------

# steady TOOL RATE REP: one run at RATE lines/s for RATE_S seconds; appends
# a row to srows (or a failure to sfails).
srows=()
sfails=()
steady() {
    local tool=$1 rate=$2 rep=$3 d=$dir/steady n=$(($2 * RATE_S)) off behind=- all stamps
    rm -rf "$d" && mkdir -p "$d"
    fresh_stream
    off=$("$DELAY" --offset)
    if [[ $tool = atail ]]; then
        start_follower "$d" $((RATE_S + 300))
        "$WRITER" -f "$d/app.log" -r "$rate" -c "$n" -s 100 --mono 2>/dev/null
        behind=$((n + 1 - $(count)))
        wait_count $((n + 1)) 120 && all=yes || all="no: $(($(count) - 1)) of $n after 120 s"
        stop_follower
        stamps=logs.app_log
    else
        run_measured_bg "$d/stats" "$d/err" --out /dev/null --timeout $((RATE_S + 300)) -- \
            "$PUB" --asap "$url" logs.app_log "$n" 100 "$WINDOW" "$rate"
        wait "$BG_PID"
        all=yes
        [[ $(count) -eq $n ]] || all="no: $(count) of $n"
        stamps=logs.app_log
    fi
    # atail is stopped by us (benchrun: interrupted; atail: exit 0 or 143).
    local st ex
    st=$(kv "$d/stats" status)
    ex=$(kv "$d/stats" exit)
    if [[ ($st != ok && $st != interrupted) || ($ex != 0 && $ex != 143) ]]; then
        sfails+=("$tool at $rate/s, rep $rep: $st, exit $ex: $(head -c 200 "$d/err")")
        record_fail "steady-$rate" "$tool" "$rep" "$(head -c 200 "$d/err")"
        stop_server
        return
    fi
    local check
    "$JSTOOL" "$url" stamps S "$stamps" >"$d/stamps"
    stop_server
    check=$(cut -f2- "$d/stamps" | "$SEQCHECK" --expect="$n" 2>&1 | tail -1)
    "$DELAY" --offset-before "$off" <"$d/stamps" >"$d/delay"
    local cpu rss rate_got p50 p99 max last stepped
    cpu=$(kv "$d/stats" cpu_s)
    rss=$(kv "$d/stats" maxrss_kb)
    rate_got=$(kv "$d/delay" rate)
    p50=$(kv "$d/delay" p50_us)
    p99=$(kv "$d/delay" p99_us)
    max=$(kv "$d/delay" max_us)
    last=$(kv "$d/delay" last_us)
    stepped=$(kv "$d/delay" clock_stepped)
    [[ $stepped = 1 ]] && all="$all (wall clock stepped: delays void)"
    [[ $check = *" lost=0 "*" duplicated=0 out_of_order=0 "* ]] || all="$all; seqcheck: $check"
    local kept=yes
    [[ -n $last ]] && awk "BEGIN { exit !($last > 1000000) }" && kept="no: $(fmt 2 "$last / 1e6") s"
    srows+=("$rate|$tool|$rep|$rate_got|$kept|$behind|$all|$(fmt 1 "$cpu / $n * 1e6")|$(fmt 1 "$cpu / ($n / $rate) * 100")|$rss|$p50|$p99|$max|$last")
    record "steady-$rate" "$tool" "$rep" delivered "$rate_got" lines/s "kept up: $kept; all stored once: $all"
    record "steady-$rate" "$tool" "$rep" cpu "$cpu" s
    record "steady-$rate" "$tool" "$rep" peak_rss "$rss" KB
    record "steady-$rate" "$tool" "$rep" p50 "$p50" us
    record "steady-$rate" "$tool" "$rep" p99 "$p99" us
    record "steady-$rate" "$tool" "$rep" max "$max" us
    log "nats: steady $rate/s $tool rep $rep: $rate_got lines/s delivered, kept up: $kept, behind $behind, all stored once: $all, CPU $cpu s, RSS $rss KB, delay p50 $p50 p99 $p99 max $max us"
}
if has steady; then
    for ((r = 1; r <= SREPS; r++)); do
        for rate in $RATES; do
            for tool in $(order atail bare); do steady "$tool" "$rate" "$r"; done
        done
    done
fi

# ---- the server down ----------------------------------------------------------------

# down D: atail -F ships a log growing at DRATE lines/s; the server is
# stopped 2 s in, restarted D s later on the same store; the writer goes on
# for 3 s after that. Appends a row to drows.
drows=()
down() {
    local D=$1 d=$dir/down n=$((DRATE * ($1 + 5))) hwm_before hwm_restart rss_restart t_restart caught check
    rm -rf "$d" && mkdir -p "$d"
    fresh_stream
    start_follower "$d" $((D + 400))
    "$WRITER" -f "$d/app.log" -r "$DRATE" -c "$n" -s 100 2>/dev/null &
    local wpid=$!
    sleep 2
    hwm_before=$(vm VmHWM)
    stop_server
    sleep "$D"
    hwm_restart=$(vm VmHWM)
    rss_restart=$(vm VmRSS)
    start_server keep
    t_restart=$(date +%s.%N)
    wait "$wpid"
    if wait_count $((n + 1)) $((D + 120)); then
        caught=$(fmt 1 "$(date +%s.%N) - $t_restart")
    else
        caught="not within $((D + 120)) s ($(($(count) - 1)) of $n)"
    fi
    stop_follower
    check=$(check_stream "$n" "$d/out")
    stop_server
    local rss
    rss=$(kv "$d/stats" maxrss_kb)
    drows+=("$D|$n|$hwm_before|$hwm_restart|$rss_restart|$rss|$caught|\`$check\`")
    record "down-$D" atail 1 peak_rss "$rss" KB "$check"
    record "down-$D" atail 1 hwm_before_stop "$hwm_before" KB
    record "down-$D" atail 1 hwm_at_restart "$hwm_restart" KB
    log "nats: server down $D s: atail peak RSS $hwm_before KB before the stop, $hwm_restart KB at the restart, $rss KB in all; $check"
}
if has down; then
    for D in $DOWNS; do down "$D"; done
fi

# ---- kill -9 ----------------------------------------------------------------------

check=
if has kill9; then
    fresh_stream
    "$WRITER" -f "$dir/k.log" -c "$KLINES" -r "$KRATE" 2>/dev/null &
    wpid=$!
    RANDOM=${NATS_SEED:-1}
    "$ATAIL" -F -n +1 --state="$dir/k.state" --to="$url" "$dir/k.log" 2>>"$dir/k.err" &
    apid=$!
    for ((k = 0; k < KILLS; k++)); do
        sleep "0.$((200 + RANDOM % 800))"
        kill -9 "$apid"
        wait "$apid" 2>/dev/null
        "$ATAIL" -F -n +1 --state="$dir/k.state" --to="$url" "$dir/k.log" 2>>"$dir/k.err" &
        apid=$!
    done
    wait "$wpid"
    wait_count "$KLINES" 60
    sleep 2
    kill "$apid"
    wait "$apid" 2>/dev/null
    "$JSTOOL" "$url" dump S >"$dir/k.out"
    check=$("$SEQCHECK" --expect="$KLINES" "$dir/k.out" 2>&1 | tail -1)
    record kill9 atail 1 seqcheck 0 - "$check"
    stop_server
fi

# ---- results ----------------------------------------------------------------------

elapsed=$((SECONDS - t_start))
{
    echo "# atail --to=nats:// against a bare JetStream publisher"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $cpu_model (load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end);"
    echo "nats-server $(nats-server --version | awk '{print $NF}'), libnats $(pkg-config --modversion libnats); window $WINDOW;"
    echo "atail $(git -C "$ROOT" describe --always --dirty 2>/dev/null). \`$(env | grep -E '^(NATS_[A-Z_]+|BENCH_QUICK)=' | sort | tr '\n' ' ')bench/nats.sh\`"
    echo "($elapsed s in all). The bare publisher (bench/nats_pub.c) sends the same 100-byte lines with the"
    echo "same libnats, window and four headers, made in memory: no file. A fresh server and stream per run."
    if has catchup; then
        echo
        echo "## Catch-up: $MB MiB = $lines lines of 100 bytes, from the start of the file"
        echo
        echo "| rep | atail s | atail lines/s | atail MB/s | atail CPU s | bare s | bare lines/s | bare CPU s | atail / bare (lines/s) | atail peak RSS KB ($MB MiB) | at $((MB / 4)) MiB |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for row in "${rows[@]}"; do
            read -r r a rss acpu b _ bcpu q <<<"$row"
            ratio=-
            [[ $a = FAILED || $b = FAILED ]] || ratio=$(fmt 2 "$b / $a")
            if [[ $a = FAILED ]]; then a="FAILED | | "; else a="$a | $(fmt 0 "$lines / $a") | $(fmt 2 "$MB * 1.048576 / $a")"; fi
            if [[ $b = FAILED ]]; then b="FAILED | | "; else b="$b | $(fmt 0 "$lines / $b") | $bcpu"; fi
            echo "| $r | $a | $acpu | $b | $ratio | $rss | $q |"
        done
    fi
    if has steady; then
        echo
        echo "## Steady rates: log_writer --mono appending for $RATE_S s (bare: nats_pub --asap at the same rate)"
        echo
        echo "Delivered: lines / (first line written → last line stored). Kept up: the last line was"
        echo "stored within 1 s of its write (else that lag; a writer outrun for $RATE_S s ends seconds"
        echo "behind, a stall of the busy machine a fraction of one). Behind: lines not yet in the stream"
        echo "when the writer stopped (atail; counted by jstool right after, a few ms later). All there"
        echo "once: the stream holds every line once, in order (seqcheck), within 120 s of the writer's"
        echo "end. Delay: from the line's mono= stamp (taken before its write,"
        echo "or before nats_pub hands it to libnats) to the stream's timestamp of it (jstool stamps;"
        echo "the server's wall clock, less the wall-minus-monotonic offset, checked unchanged)."
        echo "CPU % = CPU time / writing time; it includes startup and the drain at the end. The bare"
        echo "publisher runs with --asap here: each message written at once, as atail does (without it,"
        echo "libnats' flusher thread waits 1 ms for more before it writes, which the delays would show)."
        echo
        echo "| rate/s | tool | rep | delivered lines/s | kept up | behind at writer end | all there once | CPU µs/line | CPU % | peak RSS KB | delay p50 µs | p99 µs | max µs | last line µs |"
        echo "|---:|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
        for row in "${srows[@]}"; do echo "| ${row//|/ | } |"; done
        for f in "${sfails[@]}"; do echo "- FAILED: $f"; done
    fi
    if has down; then
        echo
        echo "## The server down: log_writer at $DRATE lines/s, nats-server stopped 2 s in for D s, restarted on its store"
        echo
        echo "atail's VmHWM (peak RSS so far) read from /proc before the stop and at the restart, and its"
        echo "peak RSS over the whole run (wait4), which includes shipping the D s of backlog at full speed"
        echo "after the restart, as a catch-up does (compare the catch-up's peak RSS above). The writer"
        echo "stops 3 s after the restart."
        echo
        echo "| D s | lines | peak RSS KB before the stop | at the restart | RSS KB at the restart | whole run | all stored, s after the restart | seqcheck over the stream |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---|"
        for row in "${drows[@]}"; do echo "| ${row//|/ | } |"; done
    fi
    if has kill9; then
        echo
        echo "## kill -9"
        echo
        echo "$KILLS SIGKILLs of atail (state file, restarted at once) while log_writer wrote $KLINES lines at $KRATE/s:"
        echo "seqcheck over the stream: \`$check\`"
    fi
} >"$OUT"
end_workload
log "nats: wrote $OUT ($elapsed s)"
cat "$OUT"
