#!/usr/bin/env python3
"""The exercise written against the atail binding, as a benchmark peer.

What issue 7 says users write: `async with atail.open(...) as log:` and
`async for line in log:`, lines as bytes without their delimiter, the C
library doing the reading and waiting (no sleep loop). The same command
line as bench/peers/python_exercise.py, so the two run on the same files
under the same harness:
  -n +1     start at the beginning (start="begin")
  -n 0      start at the end (the default, start="end")
  -n N      the last N lines (lines=N)
  -n +N     from line N (from_line=N)
  -f        keep following at end of file (follow="descriptor"; without
            it follow="none": stop at the end, like `tail -n +1 FILE`)
  -F        follow by name, waiting for missing files (follow="name",
            retry=True)
  -q        accepted and ignored (tail compatibility: no headers anyway)
  --mode M  how lines are consumed:
              lines    `async for line in log` (the default, the issue's
                       example), each line written as bytes
              print    the same with print(line.decode(errors="replace")),
                       the binding README's first example, verbatim
              batches  `async for batch in log.batches()`, one write per
                       batch (the fastest way through a backlog, by line)
              chunks   `atail.open(..., chunks=True)`: `async for chunk in
                       log`, bytes as read (runs of whole lines) written as
                       they come (the fastest way to copy a log)
              count    `async for line in log`, lines counted, not written;
                       prints the count at the end (what the binding
                       delivers, without the cost of Python's output)
  FILE...   all in one follower (one libatail handle, one descriptor)

Output: lines go to stdout through Python's buffered layer, as the
exercise's print() does. So that latency measures the follower and not the
buffer, stdout is flushed after each batch: the first line written schedules
a flush with loop.call_soon(), which runs as soon as the iterator gives the
event loop a turn -- when the lines that were ready are all out and it waits
on libatail's descriptor (or every 4096 lines of a backlog, where the binding
yields to the loop). The exercise flushes at the same point, its end of file.
"""
import asyncio
import sys

import atail


async def main(paths, opts, keep_following, by_name, mode):
    loop = asyncio.get_running_loop()
    text = sys.stdout
    out = text.buffer
    write = out.write
    pending = False

    def flush():
        nonlocal pending
        pending = False
        if mode == "print":
            text.flush()
        else:
            out.flush()

    follow = "name" if by_name else "descriptor" if keep_following else "none"
    chunks = mode == "chunks"
    async with atail.open(paths, follow=follow, retry=by_name, chunks=chunks, **opts) as log:
        if chunks:
            async for chunk in log:
                write(chunk)
                if not pending:
                    pending = True
                    loop.call_soon(flush)
        elif mode == "batches":
            async for batch in log.batches():
                write(b"\n".join(batch))
                write(b"\n")
                if not pending:
                    pending = True
                    loop.call_soon(flush)
        elif mode == "print":
            async for line in log:
                print(line.decode(errors="replace"))
                if not pending:
                    pending = True
                    loop.call_soon(flush)
        elif mode == "count":
            n = 0
            async for line in log:
                n += 1
            print(n)
        else:
            async for line in log:
                write(line)
                write(b"\n")
                if not pending:
                    pending = True
                    loop.call_soon(flush)
    flush()


def parse(argv):
    opts = {}
    keep_following = False
    by_name = False
    mode = "lines"
    paths = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-f":
            keep_following = True
        elif a == "-F":
            keep_following = by_name = True
        elif a == "-q":
            pass
        elif a == "-n" and i + 1 < len(argv):
            i += 1
            n = argv[i]
            try:
                if n == "+1":
                    opts = {"start": "begin"}
                elif n == "0":
                    opts = {"start": "end"}
                elif n.startswith("+"):
                    opts = {"from_line": int(n[1:])}
                else:
                    opts = {"lines": int(n)}
            except ValueError:
                sys.exit(f"python_binding: -n {n}: not a number of lines")
        elif a == "--mode" and i + 1 < len(argv):
            i += 1
            mode = argv[i]
            if mode not in ("lines", "print", "batches", "chunks", "count"):
                sys.exit(f"python_binding: --mode {mode}: lines, print, batches, chunks or count")
        elif a.startswith("-") and a != "-":
            sys.exit(f"python_binding: unsupported option {a}")
        else:
            paths.append(a)
        i += 1
    if not paths:
        sys.exit("usage: python_binding.py [-f|-F] [-n [+]N] [--mode lines|print|batches|chunks|count]"
                 " FILE...")
    return paths, opts, keep_following, by_name, mode


if __name__ == "__main__":
    try:
        asyncio.run(main(*parse(sys.argv[1:])))
    except (KeyboardInterrupt, BrokenPipeError):
        pass
