#!/usr/bin/env bash
# bench/nats.sh - atail --to=nats:// against the bare C publisher
# (bench/nats_pub.c: same libnats, same window, same headers, no file), on
# one nats-server -js started here (own port and store), in the same run,
# interleaved NATS_REPS times:
#
#   catch-up   a log of NATS_MB MiB of 100-byte lines (log_writer) shipped
#              from its start: lines/s, MB/s, peak RSS (atail)
#   bare       nats_pub publishing as many 100-byte lines from memory
#   rss        atail's peak RSS at NATS_MB/4 and NATS_MB: flat if equal
#   kill9      NATS_KILLS SIGKILLs of atail at random moments while
#              log_writer writes NATS_KILL_LINES lines at NATS_KILL_RATE/s,
#              restarted at once: lines lost and duplicated in the stream
#              (seqcheck over an independent read, tools/jstool)
#
# Knobs: NATS_MB (1024), NATS_REPS (3), NATS_WINDOW (1024), NATS_KILLS (10),
# NATS_KILL_LINES (100000), NATS_KILL_RATE (10000). Output:
# bench/results/nats.md (NATS_OUT).
source "$(dirname "$0")/lib.sh"

MB=${NATS_MB:-1024}
NREPS=${NATS_REPS:-3}
WINDOW=${NATS_WINDOW:-1024}
KILLS=${NATS_KILLS:-10}
KLINES=${NATS_KILL_LINES:-100000}
KRATE=${NATS_KILL_RATE:-10000}
OUT=${NATS_OUT:-$RESULTS/nats.md}
JSTOOL=$BUILD/jstool
PUB=$BIN/nats_pub
WRITER=$BUILD/log_writer
SEQCHECK=$BUILD/seqcheck
command -v nats-server >/dev/null || PATH=$PATH:/usr/sbin
command -v nats-server >/dev/null || die "nats-server is not installed (Debian: nats-server)"
[[ -x $PUB && -x $JSTOOL ]] || die "build first (make all; libnats-dev): $PUB, $JSTOOL"

dir=$SCRATCH/nats
rm -rf "$dir"
mkdir -p "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
server=
start_server() {
    rm -rf "$dir/js"
    nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/js" >"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q "Server is ready" "$dir/server.log" && return; sleep 0.1; done
    die "nats-server did not start"
}
stop_server() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=; }
trap 'stop_server; rm -rf "$dir"' EXIT

lines=$((MB * 1024 * 1024 / 100))
log "nats: making a $MB MiB log ($lines lines of 100 bytes)"
"$WRITER" -f "$dir/big.log" -c "$lines" -i 0 -s 100 --no-time
"$WRITER" -f "$dir/quarter.log" -c "$((lines / 4))" -i 0 -s 100 --no-time

# One measured run: "seconds rss_kb" of the command.
measure() { /usr/bin/time -f '%e %M' -o "$dir/time" "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }; cat "$dir/time"; }

rows=()
for ((r = 1; r <= NREPS; r++)); do
    start_server
    "$JSTOOL" "$url" create S 'logs.>' >/dev/null
    read -r at_s at_rss < <(measure "$ATAIL" -n +1 --window="$WINDOW" --to="$url" \
        --subject='logs.{host}.{file}' "$dir/big.log")
    n=$("$JSTOOL" "$url" count S)
    [[ $n -eq $lines ]] || die "atail: the stream holds $n of $lines messages"
    stop_server
    start_server
    "$JSTOOL" "$url" create S 'logs.>' >/dev/null
    pub=$("$PUB" "$url" logs.bare "$lines" 100 "$WINDOW")
    bare_s=${pub##*seconds=}
    stop_server
    start_server
    "$JSTOOL" "$url" create S 'logs.>' >/dev/null
    read -r _ q_rss < <(measure "$ATAIL" -n +1 --window="$WINDOW" --to="$url" "$dir/quarter.log")
    stop_server
    rows+=("$r $at_s $at_rss $bare_s $q_rss")
    log "nats: rep $r: atail $at_s s (peak RSS $at_rss KB; $q_rss KB at a quarter), bare $bare_s s"
done

# kill -9: atail killed KILLS times while the writer runs.
start_server
"$JSTOOL" "$url" create S 'logs.>' >/dev/null
"$WRITER" -f "$dir/k.log" -c "$KLINES" -r "$KRATE" 2>/dev/null &
wpid=$!
RANDOM=${NATS_SEED:-1}
"$ATAIL" -F -n +1 --state="$dir/k.state" --to="$url" "$dir/k.log" 2>>"$dir/k.err" &
apid=$!
for ((k = 0; k < KILLS; k++)); do
    sleep "0.$((200 + RANDOM % 800))"
    kill -9 "$apid"; wait "$apid" 2>/dev/null
    "$ATAIL" -F -n +1 --state="$dir/k.state" --to="$url" "$dir/k.log" 2>>"$dir/k.err" &
    apid=$!
done
wait "$wpid"
for _ in $(seq 600); do [[ $("$JSTOOL" "$url" count S) -ge $KLINES ]] && break; sleep 0.1; done
sleep 2
kill "$apid"; wait "$apid" 2>/dev/null
"$JSTOOL" "$url" dump S >"$dir/k.out"
check=$("$SEQCHECK" --expect="$KLINES" "$dir/k.out" 2>&1 | tail -1)
stop_server

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
    echo "# atail --to=nats:// against a bare JetStream publisher"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $cpu; nats-server $(nats-server --version | awk '{print $NF}'),"
    echo "libnats $(pkg-config --modversion libnats); window $WINDOW; $MB MiB = $lines lines of 100 bytes;"
    echo "\`NATS_MB=$MB NATS_REPS=$NREPS bench/nats.sh\`. Each rep: a fresh server and stream per run."
    echo
    echo "| rep | atail s | atail lines/s | atail MB/s | bare s | bare lines/s | atail / bare | atail peak RSS KB ($MB MiB) | at $((MB / 4)) MiB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${rows[@]}"; do
        read -r r a rss b q <<<"$row"
        echo "| $r | $a | $(calc "$lines / $a") | $(calc "$MB * 1.048576 / $a") | $b | $(calc "$lines / $b") | $(calc "$b / $a") | $rss | $q |"
    done
    echo
    echo "kill -9: $KILLS SIGKILLs of atail (state file, restarted at once) while log_writer wrote $KLINES lines at $KRATE/s:"
    echo "seqcheck over the stream: \`$check\`"
} >"$OUT"
log "nats: wrote $OUT"
cat "$OUT"
