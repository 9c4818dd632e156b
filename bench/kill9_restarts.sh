#!/usr/bin/env bash
# bench/kill9_restarts.sh - issue 4's proof against rsyslog: kill -9 and
# restart with the same state, atail against rsyslog's imfile, same run.
#
# log_writer appends sequence-numbered 100-byte lines at KILL9_RATE (5,000)
# lines/s, without rotation and with rename rotation every
# KILL9_ROTATE_SECONDS (3). The follower starts with the writer, reads the
# log from its first line, and is killed with SIGKILL KILL9_RESTARTS (10)
# times at seeded random moments (the same moments for every tool), each
# time restarted after a short pause with the same state; after the writer
# has finished, the last run catches up and is stopped cleanly (SIGTERM).
# Each run's output goes to a file of its own; their concatenation is
# checked with seqcheck: lines re-sent (duplicated) and lost (gaps).
# Before each restart the state is checked: torn (unreadable) or absent.
#
#   atail    -F -q -n +1 --state=FILE [--state-sync=line] app.log
#            state checked by atail itself on a copy (`damaged` = torn)
#   rsyslog  rsyslogd -n, private config (lib.sh rsyslog_config): imfile in
#            inotify mode, work directory with its state files; modes:
#            default (state written when the file is closed, i.e. at a
#            clean exit), persistStateInterval=5000 (every 5,000 lines, about
#            atail's 1 s), persistStateAfterSubmission="on" (8.2006+);
#            state file = JSON, torn when empty or not parseable
#
# Output: bench/results/kill9.md (KILL9_OUT), records in results/raw/kill9.tsv.
#
# Knobs: KILL9_SEEDS ("1"; one session per seed and mode), KILL9_RESTARTS
# (10), KILL9_RATE (5000), KILL9_UP ("0.5:2.0": seconds a follower runs
# before it is killed, uniform), KILL9_DOWN ("0.1:0.3": pause before the
# restart), KILL9_TAIL (3: seconds the writer goes on after the last
# restart), KILL9_ROTATIONS ("none rename"), KILL9_ROTATE_SECONDS (3),
# KILL9_MODES ("atail:interval atail:line rsyslog:default
# rsyslog:interval rsyslog:after-submission"), KILL9_IDLE (5: the last run
# is stopped once the last line is out or its output has not grown for
# that long), KILL9_OUT. BENCH_QUICK=1: 3 restarts, no rotation.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
set -euo pipefail

START_SECONDS=$SECONDS
# the settings given, for the command line in the report
knobs=$(env | grep -E '^(KILL9_|BENCH_QUICK=|ATAIL=)' | sort | sed 's/=\(.*\)/="\1"/' | tr '\n' ' ' || true)
if [[ $QUICK = 1 ]]; then
    : "${KILL9_RESTARTS:=3}" "${KILL9_ROTATIONS:=none}"
fi
SEEDS=${KILL9_SEEDS:-1}
RESTARTS=${KILL9_RESTARTS:-10}
RATE=${KILL9_RATE:-5000}
UP=${KILL9_UP:-0.5:2.0}
DOWN=${KILL9_DOWN:-0.1:0.3}
TAIL_S=${KILL9_TAIL:-3}
ROTATIONS=${KILL9_ROTATIONS:-none rename}
ROTATE_S=${KILL9_ROTATE_SECONDS:-3}
MODES=${KILL9_MODES:-atail:interval atail:line rsyslog:default rsyslog:interval rsyslog:after-submission}
IDLE_S=${KILL9_IDLE:-5}
OUT_MD=${KILL9_OUT:-$RESULTS/kill9.md}
LOG_WRITER=$BUILD/log_writer
SEQCHECK=$BUILD/seqcheck
SIZE=100 # bytes per line: the line of seq N starts at (N-1)*100 without rotation

for b in "$LOG_WRITER" "$SEQCHECK"; do
    [[ -x $b ]] || die "$b not built (cmake --build $BUILD)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/atail-kill9.XXXXXX")
# the writer and the follower running now (emptied once they are reaped,
# so that a pid the system may have reused is never signalled)
WPID=
FPID=
cleanup() {
    local p
    for p in $WPID $FPID; do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

begin_workload kill9

# a private copy of atail, so that a rebuild during the run cannot change
# the binary between sessions (libatail is linked in statically)
ATAIL_ORIG=$ATAIL
ATAIL_BUILT=$(date -u -r "$ATAIL" +'%F %H:%M UTC' 2>/dev/null || echo '?')
ATAIL_DESCRIBE=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')
if [[ -x $ATAIL ]]; then
    cp "$ATAIL" "$TMP/atail"
    ATAIL=$TMP/atail
fi

# ---- helpers ------------------------------------------------------------------

# schedule SEED: RESTARTS lines "UP DOWN" (seconds), the same for every tool.
schedule() {
    awk -v seed="$1" -v n="$RESTARTS" -v up="$UP" -v down="$DOWN" 'BEGIN {
        srand(seed); split(up, u, ":"); split(down, d, ":")
        for (i = 1; i <= n; i++)
            printf "%.3f %.3f\n", u[1] + rand() * (u[2] - u[1]), d[1] + rand() * (d[2] - d[1])
    }'
}

# sleep_until T0 OFFSET: sleeps until OFFSET seconds after the time T0.
sleep_until() {
    local d
    d=$(awk -v t0="$1" -v o="$2" -v now="$EPOCHREALTIME" \
        'BEGIN { d = t0 + o - now; printf "%.3f", (d > 0 ? d : 0) }')
    sleep "$d"
}

# elapsed T0: seconds since T0.
elapsed() { awk -v t0="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.2f", now - t0 }'; }

# strip_partial FILE DEST: copies FILE to DEST without a last line that has
# no newline (a write cut by SIGKILL); prints that line's length (0: none).
strip_partial() {
    local f=$1 dest=$2 size cut=0
    size=$(stat -c %s "$f")
    if ((size > 0)) && [[ $(tail -c1 "$f" | od -An -tx1 | tr -d ' ') != 0a ]]; then
        cut=$(tail -n1 "$f" | wc -c)
    fi
    head -c "$((size - cut))" "$f" >"$dest"
    echo "$cut"
}

# check_state_atail DIR LOG: "ok SAVED_SEQ", "torn", "absent", or "check-failed";
# atail's own parser decides, on a copy (nothing of the real state changes).
check_state_atail() {
    local dir=$1 log=$2 st=$1/atail.state chk=$1/chk off
    [[ -e $st ]] || { echo absent; return; }
    rm -rf "$chk" && mkdir -p "$chk"
    cp "$st" "$chk/state"
    if ! timeout 30 "$ATAIL" -q -n 0 --state="$chk/state" "$log" >/dev/null 2>"$chk/err"; then
        if grep -q damaged "$chk/err"; then echo torn; else echo check-failed; fi
        return
    fi
    # the offset of LOG's entry: "f DEV INO OFFSET FPLEN FPHASH TAILLEN TAILHASH PATH"
    off=$(awk -v p="$log" '$1 == "f" && $9 == p { print $4; exit }' "$st")
    echo "ok ${off:+$((off / SIZE))}"
}

# check_state_rsyslog DIR LOG: the same for imfile's state files (JSON).
check_state_rsyslog() {
    local dir=$1 log=$2 f n=0 torn=0 saved='' ino
    ino=$(stat -c %i "$log" 2>/dev/null || echo none)
    for f in "$dir"/rsyslog/work/imfile-state:*; do
        [[ -e $f ]] || continue
        n=$((n + 1))
        if ! "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); int(d["curr_offs"])' \
            "$f" 2>/dev/null; then
            torn=$((torn + 1))
        elif [[ $f = */imfile-state:$ino:* ]]; then
            saved=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["curr_offs"])' "$f")
            saved=$((saved / SIZE))
        fi
    done
    if ((n == 0)); then echo absent
    elif ((torn > 0)); then echo torn
    else echo "ok $saved"; fi
}

# ---- one session ------------------------------------------------------------

# run_session TOOL MODE ROTATION SEED: fills the associative array R.
declare -A R
run_session() {
    local tool=$1 mode=$2 rot=$3 seed=$4
    local dir=$TMP/$tool-$mode-$rot-$seed
    mkdir -p "$dir"
    local log=$dir/app.log
    : >"$log"
    R=()
    case $tool:$mode in
    atail:interval) CMD=("$ATAIL" -F -q -n +1 --state="$dir/atail.state" "$log") ;;
    atail:line) CMD=("$ATAIL" -F -q -n +1 --state="$dir/atail.state" --state-sync=line "$log") ;;
    rsyslog:default) rsyslog_config "$dir" "$log" ;;
    rsyslog:interval) rsyslog_config "$dir" "$log" 'persistStateInterval="5000"' ;;
    rsyslog:after-submission) rsyslog_config "$dir" "$log" 'persistStateAfterSubmission="on"' ;;
    *) die "unknown mode $tool:$mode" ;;
    esac
    local -a starts kills
    local k u d t=0
    k=0
    while read -r u d; do
        k=$((k + 1))
        starts[k]=$t
        kills[k]=$(awk -v a="$t" -v b="$u" 'BEGIN { printf "%.3f", a + b }')
        t=$(awk -v a="${kills[k]}" -v b="$d" 'BEGIN { printf "%.3f", a + b }')
    done < <(schedule "$seed")
    starts[RESTARTS + 1]=$t
    local total
    total=$(awk -v a="$t" -v b="$TAIL_S" 'BEGIN { printf "%.3f", a + b }')
    local n
    n=$(awk -v r="$RATE" -v s="$total" 'BEGIN { printf "%d", r * s }')
    local -a wopts=(-f "$log" -r "$RATE" -c "$n" -s "$SIZE")
    [[ $rot = rename ]] && wopts+=(--rotate=rename --rotate-seconds="$ROTATE_S" --keep=50
        --report="$dir/rotations")

    log "  $tool $mode, rotation $rot, seed $seed: $n lines in ${total} s, $RESTARTS kills"
    local t0
    "$LOG_WRITER" "${wopts[@]}" 2>"$dir/writer.err" &
    WPID=$!
    t0=$EPOCHREALTIME
    local states=() saved=() notes=()
    for ((k = 1; k <= RESTARTS + 1; k++)); do
        ((k == 1)) || sleep_until "$t0" "${starts[k]}"
        rm -f "$dir/rsyslog/rsyslogd.pid" # a stale pid file of the killed run
        "${CMD[@]}" >"$dir/out.$k" 2>"$dir/err.$k" &
        FPID=$!
        ((k <= RESTARTS)) || break
        sleep_until "$t0" "${kills[k]}"
        if kill -0 "$FPID" 2>/dev/null; then
            kill -KILL "$FPID"
            wait "$FPID" 2>/dev/null || true
            FPID=
        else
            local rc=0
            wait "$FPID" 2>/dev/null || rc=$?
            FPID=
            notes+=("run $k had ended by itself before its kill (status $rc): $(head -c 160 "$dir/err.$k" | tr '\n' ' ')")
        fi
        local s
        if [[ $tool = atail ]]; then s=$(check_state_atail "$dir" "$log")
        else s=$(check_state_rsyslog "$dir" "$log"); fi
        states[k]=${s%% *}
        saved[k]=
        [[ $s = ok\ * ]] && saved[k]=${s#ok }
    done
    local wrc=0
    wait "$WPID" || wrc=$?
    WPID=
    ((wrc == 0)) || notes+=("log_writer exited with status $wrc: $(head -c 160 "$dir/writer.err")")
    # the last run: until the last line is out, or its output stops growing
    local last=$dir/out.$((RESTARTS + 1)) size=-1 now still=$EPOCHREALTIME
    while kill -0 "$FPID" 2>/dev/null; do
        [[ $(tail -c $((SIZE * 2)) "$last") = *"seq=$n "* ]] && break
        now=$(stat -c %s "$last")
        if ((now != size)); then
            size=$now
            still=$EPOCHREALTIME
        elif awk -v a="$still" -v b="$EPOCHREALTIME" -v m="$IDLE_S" 'BEGIN { exit !(b - a > m) }'; then
            notes+=("the last run stopped short of line $n (no output for ${IDLE_S} s)")
            break
        fi
        sleep 0.1
    done
    local frc=0
    kill -TERM "$FPID" 2>/dev/null || true
    wait "$FPID" 2>/dev/null || frc=$?
    FPID=
    R[elapsed]=$(elapsed "$t0")
    if [[ $tool = atail ]]; then
        [[ $frc = 143 ]] || notes+=("the last run ended with status $frc, not 143 (SIGTERM)")
    else
        [[ $frc = 0 ]] || notes+=("the last run ended with status $frc")
    fi

    # ---- analysis
    local all=$dir/all.out torn_out=0 cut
    : >"$all"
    for ((k = 1; k <= RESTARTS + 1; k++)); do
        cut=$(strip_partial "$dir/out.$k" "$dir/clean.$k")
        if ((cut > 0)); then
            torn_out=$((torn_out + 1))
            notes+=("run $k's output ends in a cut line ($cut bytes without newline, left out of the check)")
        fi
        cat "$dir/clean.$k" >>"$all"
        # order within the run itself (the concatenation mixes runs)
        local ooo
        ooo=$("$SEQCHECK" "$dir/clean.$k" 2>&1 | sed -n 's/^seqcheck:.* out_of_order=\([0-9]*\).*/\1/p' || true)
        [[ ${ooo:-0} = 0 ]] || notes+=("run $k output $ooo lines out of order within itself")
    done
    "$SEQCHECK" --expect=1-"$n" --max-ranges=3 "$all" >"$dir/seqcheck" 2>&1 || true
    local summary
    summary=$(grep '^seqcheck:' "$dir/seqcheck" | tail -n1 || true)
    local key
    for key in lines lost duplicated out_of_order malformed unexpected; do
        R[$key]=$(tr ' ' '\n' <<<"$summary" | sed -n "s/^$key=//p")
    done
    # per run: the highest line number output so far, and how many of its
    # lines were at or below the highest before it (re-sent by its restart)
    local prev=0 m r empty=0
    local -a printed resent
    for ((k = 1; k <= RESTARTS + 1; k++)); do
        [[ -s $dir/clean.$k ]] || empty=$((empty + 1))
        read -r m r < <(awk -v max="$prev" -v before="$prev" '
            match($0, /(^| )seq=[0-9]+/) {
                s = substr($0, RSTART, RLENGTH); sub(/.*seq=/, "", s); s += 0
                if (s <= before) re++
                if (s > max) max = s
            }
            END { printf "%d %d\n", max, re }' "$dir/clean.$k")
        printed[k]=$m
        resent[k]=$r
        prev=$m
    done
    ((empty == 0)) || notes+=("$empty of $((RESTARTS + 1)) runs printed nothing")

    local detail="| kill | at s | printed up to | state | saved up to | re-sent by restart | as the state implies |"$'\n'
    detail+="|---|---|---|---|---|---|---|"$'\n'
    local torn=0 absent=0 maxre=0 ahead=0 odd=0 p x
    for ((k = 1; k <= RESTARTS; k++)); do
        p=${printed[k]}
        r=${resent[k + 1]}
        [[ ${states[k]} = torn ]] && torn=$((torn + 1))
        [[ ${states[k]} = absent ]] && absent=$((absent + 1))
        ((r > maxre)) && maxre=$r
        local sv=${saved[k]:-}
        [[ $rot = none ]] || sv=
        if [[ -n $sv ]] && ((sv > p)); then ahead=$((ahead + sv - p)); fi
        # what the restart should re-send if it resumes where the state says
        # (from the first line when the state is torn or absent)
        x=–
        if [[ $rot = none && ${states[k]} != check-failed ]]; then
            x=$((p - ${sv:-0}))
            ((x >= 0)) || x=0
            ((x == r)) || odd=$((odd + 1))
        fi
        detail+="| $k | ${kills[k]} | $p | ${states[k]} | ${sv:-–} | $r | $x |"$'\n'
    done
    R[n]=$n
    R[torn]=$torn
    R[absent]=$absent
    R[maxre]=$maxre
    R[ahead]=$ahead
    R[odd]=$odd
    R[torn_out]=$torn_out
    R[detail]=$detail
    R[seqcheck]=$(grep -v '^seqcheck:' "$dir/seqcheck" | head -n 6 | sed 's/^/    /' || true)
    R[errors]=$(cat "$dir"/err.* | grep -c -i 'error\|damaged\|cannot' || true)
    R[err_sample]=$(cat "$dir"/err.* | grep -i 'error\|damaged\|cannot' | sort | uniq -c | sort -rn | head -n 3 |
        sed 's/^ */    /' || true)
    R[notes]=$(printf '%s; ' "${notes[@]}")
    R[notes]=${R[notes]%; }
    rm -rf "$dir"
}

# ---- the runs ------------------------------------------------------------------

for m in $MODES; do
    tool=${m%%:*}
    [[ $tool = rsyslog ]] && tool=rsyslog-imfile
    why=$(tool_missing "$tool")
    [[ -z $why ]] || die "$tool cannot run: $why"
done

ROWS=()
DETAILS=()
for seed in $SEEDS; do
    log "kill -9 schedule for seed $seed (run s, pause s): $(schedule "$seed" | tr '\n' ',' | sed 's/,$//')"
    for rot in $ROTATIONS; do
        # shellcheck disable=SC2086 # MODES is a list
        for m in $(order $MODES); do
            tool=${m%%:*}
            mode=${m#*:}
            run_session "$tool" "$mode" "$rot" "$seed"
            case $tool:$mode in
            atail:interval) label="--state-interval=1 (default)" ;;
            atail:line) label="--state-sync=line" ;;
            rsyslog:default) label="default (state written at clean exit)" ;;
            rsyslog:interval) label='persistStateInterval="5000"' ;;
            rsyslog:after-submission) label='persistStateAfterSubmission="on"' ;;
            esac
            name=$tool
            [[ $tool = rsyslog ]] && name="rsyslog imfile"
            case_=$rot
            [[ $rot = rename ]] && case_="rename every ${ROTATE_S} s"
            state="${R[torn]}/$RESTARTS torn"
            ((R[absent] == 0)) || state+=", ${R[absent]}/$RESTARTS absent"
            other=
            ((R[out_of_order] == 0)) || other+="${R[out_of_order]} out of order; "
            ((R[malformed] == 0)) || other+="${R[malformed]} malformed; "
            ((R[torn_out] == 0)) || other+="${R[torn_out]} cut output lines; "
            ((R[ahead] == 0)) || other+="state ahead of output by ${R[ahead]} lines in all; "
            ((R[odd] == 0)) || other+="${R[odd]} restarts re-sent other than their state implies; "
            other=${other%; }
            ROWS+=("| $name | $label | $case_ | $seed | $RESTARTS | ${R[n]} | ${R[duplicated]} | ${R[maxre]} | ${R[lost]} | $state | ${other:-–} |")
            DETAILS+=("### $name, $label, rotation: $case_, seed $seed"$'\n\n'"${R[detail]}"$'\n'"session ${R[elapsed]} s; seqcheck: lines=${R[lines]} duplicated=${R[duplicated]} lost=${R[lost]} out_of_order=${R[out_of_order]} malformed=${R[malformed]} unexpected=${R[unexpected]}")
            [[ -z ${R[seqcheck]} ]] || DETAILS[-1]+=$'\n\n'"${R[seqcheck]}"
            ((R[errors] == 0)) || DETAILS[-1]+=$'\n\n'"stderr, ${R[errors]} error lines over the runs, most frequent:"$'\n\n'"${R[err_sample]}"
            [[ -z ${R[notes]} ]] || DETAILS[-1]+=$'\n\n'"Notes: ${R[notes]}"
            c="$rot rotation"
            t="$tool $mode"
            record "$c" "$t" "$seed" written "${R[n]}" lines
            record "$c" "$t" "$seed" resent "${R[duplicated]}" lines
            record "$c" "$t" "$seed" max_resent_restart "${R[maxre]}" lines
            record "$c" "$t" "$seed" lost "${R[lost]}" lines
            record "$c" "$t" "$seed" torn_state "${R[torn]}" kills
            record "$c" "$t" "$seed" absent_state "${R[absent]}" kills
            log "    re-sent ${R[duplicated]} (max ${R[maxre]} at one restart), lost ${R[lost]}, state: $state${other:+, $other}"
        done
    done
done
end_workload

# ---- the report -----------------------------------------------------------------

runtime=$((SECONDS - START_SECONDS))
mkdir -p "$(dirname "$OUT_MD")"
{
    echo "# kill -9 and restart with the same state: atail and rsyslog imfile"
    echo
    echo "Produced by \`${knobs}bench/kill9_restarts.sh\` in $((runtime / 60)) min $((runtime % 60)) s," \
        "$(date -u +'%F %H:%M UTC')."
    echo
    echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)," \
        "$(nproc) cores, $(uname -sr), $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"'), files on" \
        "$(df -T "$TMP" | awk 'NR == 2 { print $2 }')"
    echo "- atail $("$ATAIL" --version | head -n1 | awk '{ print $2 }'): $ATAIL_ORIG, built" \
        "$ATAIL_BUILT, sha256 $(sha256sum "$ATAIL" | cut -c1-12) (tree at the start:" \
        "$ATAIL_DESCRIBE); rsyslog $(rsyslogd -v | head -n1 | awk '{ print $2 }')"
    echo "- workload: log_writer writes $RATE lines/s of $SIZE bytes (seq=1..N); the follower starts" \
        "with it and reads from the first line (atail \`-F -q -n +1 --state=FILE\`; rsyslogd -n with a" \
        "private config: imfile in inotify mode, its work directory for the state, \`%msg%\\n\` to stdout)." \
        "It is killed with SIGKILL $RESTARTS times, after a random $UP s of running each time" \
        "(seeded: every tool is killed at the same moments), and restarted after a random" \
        "$DOWN s with the same state. The writer goes on $TAIL_S s after the last restart; the" \
        "last run catches up and is stopped with SIGTERM. Every run's output goes to a file;" \
        "their concatenation is checked with build/seqcheck."
    [[ -z ${BENCH_NOTE:-} ]] || echo "- note: $BENCH_NOTE"
    for seed in $SEEDS; do
        echo "- kill schedule, seed $seed (seconds run before the kill, pause before the restart):" \
            "$(schedule "$seed" | awk '{ printf "%s%s+%s", (NR > 1 ? ", " : ""), $1, $2 }')"
    done
    echo "- re-sent: lines output more than once (seqcheck duplicated); max/restart: the most" \
        "re-sent by one restart; lost: lines never output (gaps); torn: kills after which the" \
        "state could not be read (atail: its own parser on a copy says damaged; rsyslog: a" \
        "state file that is empty or not JSON), absent: no state file at all at the kill."
    echo
    echo "| tool | mode | rotation | seed | restarts | lines written | re-sent | max/restart | lost | state at the kills | other |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "## Each kill"
    echo
    echo "printed up to: the highest line number output so far; saved up to: the line" \
        "number the state file resumes after (without rotation only; a state ahead of the" \
        "output means lines the follower had taken in but not yet output, lost for good);" \
        "re-sent by restart: lines of the next run already output before; as the state" \
        "implies: printed up to - saved up to (all printed when the state is torn or absent)."
    for d in "${DETAILS[@]}"; do
        echo
        echo "$d"
    done
} >"$OUT_MD"
log "wrote $OUT_MD ($((runtime / 60)) min $((runtime % 60)) s)"
