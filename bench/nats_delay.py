#!/usr/bin/env python3
"""bench/nats_delay.py - the delay from a line's write to its storage in a
JetStream stream, from `jstool URL stamps STREAM [FILTER]` on standard input
(one message a line: the stream's timestamp in nanoseconds since the epoch,
a tab, the message, which carries mono=NANOSECONDS: CLOCK_MONOTONIC taken
by log_writer --mono or nats_pub right before the line left the writer).

The server stamps with the wall clock (CLOCK_REALTIME), the writers with
CLOCK_MONOTONIC; both are the same machine's clocks, slewed alike by NTP,
so their difference is constant unless the wall clock is stepped. It is
read here, and compared with --offset-before (the same difference read
before the run, by this script's --offset): clock_stepped=1 when they
differ by more than a millisecond, and the delays are then not to be
trusted.

usage: nats_delay.py --offset                 print REALTIME - MONOTONIC, ns
       nats_delay.py [--offset-before NS] <STAMPS

Prints key=value lines: lines (stamped messages), unstamped (others),
first_write_ns and last_stored_ns (monotonic), span_s (first write to last
storage), rate (lines / span_s), p50_us, p99_us, max_us (delays), last_us
(the delay of the last line written), clock_stepped.
Standard library only.
"""
import re
import sys
import time

STAMP = re.compile(rb"(?:^| )mono=(\d+)")


def offset_ns():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, now (the closer of two readings)."""
    best = None
    for _ in range(5):
        m0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        r = time.clock_gettime_ns(time.CLOCK_REALTIME)
        m1 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        if best is None or m1 - m0 < best[0]:
            best = (m1 - m0, r - (m0 + m1) // 2)
    return best[1]


def percentile(sorted_vals, q):
    """The q-quantile (0..1) by the nearest rank."""
    i = min(len(sorted_vals) - 1, max(0, int(q * len(sorted_vals) + 0.5) - 1))
    return sorted_vals[i]


def main(argv):
    if argv[1:] == ["--offset"]:
        print(offset_ns())
        return 0
    before = None
    if len(argv) == 3 and argv[1] == "--offset-before":
        before = int(argv[2])
    elif len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    off = offset_ns()
    delays, unstamped = [], 0
    first_write = last_stored = last_write = last_delay = None
    for raw in sys.stdin.buffer:
        ts, _, data = raw.partition(b"\t")
        m = STAMP.search(data)
        if not m or not ts.strip().lstrip(b"-").isdigit() or int(ts) < 0:
            unstamped += 1
            continue
        written, stored = int(m.group(1)), int(ts) - off
        delays.append(stored - written)
        first_write = written if first_write is None else min(first_write, written)
        last_stored = stored if last_stored is None else max(last_stored, stored)
        if last_write is None or written > last_write:
            last_write, last_delay = written, stored - written
    print(f"lines={len(delays)}")
    print(f"unstamped={unstamped}")
    print(f"clock_stepped={int(before is not None and abs(off - before) > 1_000_000)}")
    if not delays:
        return 1
    span = (last_stored - first_write) / 1e9
    delays.sort()
    print(f"first_write_ns={first_write}")
    print(f"last_stored_ns={last_stored}")
    print(f"span_s={span:.6f}")
    print(f"rate={len(delays) / span if span > 0 else 0:.0f}")
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        print(f"{name}_us={percentile(delays, q) / 1e3:.1f}")
    print(f"max_us={delays[-1] / 1e3:.1f}")
    print(f"last_us={last_delay / 1e3:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
