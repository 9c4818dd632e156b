#!/usr/bin/env python3
"""Follow app.log while log_writer appends to it, printing each new line as
it arrives: the exercise's program, over the atail binding.

    async_tail.py [-n LINES] [-i SECONDS] [LINES]

app.log (in the current directory) is created if missing and followed from
its end before the writer starts, so exactly the lines of this run are
printed. The writer is found in $ATAIL_LOG_WRITER, else in the build
directory next to this source tree (build/log_writer), else in PATH.

Whatever ends the run (enough lines, Ctrl-C, the writer dying, an error),
the writer is stopped and reaped and the follower closed.

Exit status: 0 after LINES lines (default 10); 1 on an error or when the
writer exits early; 130 on Ctrl-C, 143 on SIGTERM.
"""

import argparse
import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import atail


def find_log_writer() -> str:
    path = os.environ.get("ATAIL_LOG_WRITER")
    if path:
        return path
    built = Path(__file__).resolve().parent.parent / "build" / "log_writer"
    if os.access(built, os.X_OK):
        return str(built)
    found = shutil.which("log_writer")
    if found:
        return found
    raise FileNotFoundError("log_writer not found: set ATAIL_LOG_WRITER or build it (make)")


async def run(count: int, interval: str | None) -> int:
    """Prints `count` lines as log_writer appends them. Returns the exit
    status."""
    Path("app.log").touch()  # the writer only appends
    argv = [find_log_writer()]
    if interval is not None:
        argv += ["--interval", interval]
    # Following starts before the writer does, so no line of its is missed.
    async with atail.open("app.log", start="end", follow="descriptor") as log:
        writer = await asyncio.create_subprocess_exec(*argv)
        running = True
        try:
            # If the writer dies, iteration ends once its last lines are out.
            log.watch_pid(writer.pid)
            async for line in log:
                sys.stdout.buffer.write(line + b"\n")
                sys.stdout.flush()
                count -= 1
                if count == 0:
                    return 0
            running = False
        except ProcessLookupError:
            running = False  # it died before we could watch it
        finally:
            # Signal it only if it may still run: a process that exited is
            # asyncio's to reap.
            if running and writer.returncode is None:
                writer.terminate()
            await writer.wait()
    print(f"async_tail: log_writer exited early (status {writer.returncode})", file=sys.stderr)
    return 1


def positive(text: str) -> int:
    n = int(text)
    if n <= 0:
        raise ValueError(text)
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description="Print the lines log_writer appends to app.log.")
    parser.add_argument("-n", dest="count", type=positive, help="stop after LINES lines")
    parser.add_argument("-i", dest="interval", metavar="SECONDS",
                        help="log_writer's interval between lines")
    parser.add_argument("lines", nargs="?", type=positive, help="stop after LINES lines")
    args = parser.parse_args()
    count = args.lines or args.count or 10

    loop = asyncio.new_event_loop()
    task = loop.create_task(run(count, args.interval))
    stopped_by = 0

    def stop(signo: int) -> None:
        nonlocal stopped_by
        stopped_by = signo
        task.cancel()

    for signo in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signo, stop, signo)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        return 128 + stopped_by
    except BrokenPipeError:
        # stdout closed (| head): nothing more to say, and nowhere to say it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        print(f"async_tail: {e}", file=sys.stderr)
        return 1
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
