#!/usr/bin/env python3
"""The original exercise, kept faithful, as a benchmark peer.

The exercise: an asyncio async generator that opens a log, reads it with
readline(), and when readline() finds the end of the file sleeps 0.1 s with
asyncio.sleep before trying again; the main coroutine prints every line it
yields. Nothing here is tuned: text-mode file, readline, print, the 0.1 s
sleep, one generator per file.

Only what the benchmarks need to drive it like tail is added:
  -n +1     start at the beginning (default: at the end, as the exercise)
  -n 0      start at the end (the default)
  -f        keep following at end of file (default: stop there, like
            `tail -n +1 FILE` without -f)
  -q        accepted and ignored (tail compatibility: no headers anyway)
  FILE...   one generator per file, all in one event loop

Output: lines go to stdout through Python's buffered text layer. A terminal
would show each line at once; a pipe would hold up to 8 KiB for the next
line, which measures Python's buffer, not the exercise. So stdout is flushed
whenever a generator reaches the end of its file (right before its 0.1 s
sleep): what the exercise shows on a terminal, without a write per line.
"""
import asyncio
import sys


async def follow(path, from_start, keep_following):
    """Yields each line of `path`; at end of file sleeps 0.1 s and retries."""
    with open(path) as f:
        if not from_start:
            f.seek(0, 2)
        while True:
            line = f.readline()
            if not line:
                sys.stdout.flush()
                if not keep_following:
                    return
                await asyncio.sleep(0.1)
                continue
            yield line


async def print_lines(path, from_start, keep_following):
    async for line in follow(path, from_start, keep_following):
        print(line, end="")


async def main(paths, from_start, keep_following):
    await asyncio.gather(*(print_lines(p, from_start, keep_following) for p in paths))
    sys.stdout.flush()


def parse(argv):
    from_start = False
    keep_following = False
    paths = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-f":
            keep_following = True
        elif a == "-q":
            pass
        elif a == "-n" and i + 1 < len(argv):
            i += 1
            if argv[i] not in ("+1", "0"):
                sys.exit(f"python_exercise: -n {argv[i]}: only +1 and 0 are supported")
            from_start = argv[i] == "+1"
        elif a.startswith("-") and a != "-":
            sys.exit(f"python_exercise: unsupported option {a}")
        else:
            paths.append(a)
        i += 1
    if not paths:
        sys.exit("usage: python_exercise.py [-f] [-n +1|0] FILE...")
    return paths, from_start, keep_following


if __name__ == "__main__":
    try:
        asyncio.run(main(*parse(sys.argv[1:])))
    except (KeyboardInterrupt, BrokenPipeError):
        pass
