"""Lines as they are appended: asyncio and blocking iteration, start
positions, partial lines, delimiters, the end of unfollowed files."""

from __future__ import annotations

import asyncio
import selectors
import signal
import subprocess
import sys
import threading
import time
import unittest

import atail
from helpers import DEADLINE, QUIET, AsyncTestCase, TestCase, append, log_writer, next_line


class AsyncFollowTest(AsyncTestCase):
    async def test_appended_lines_arrive_not_older_ones(self):
        p = self.path("app.log", b"old line\n")
        async with atail.open(p, start="end", follow="descriptor") as log:
            append(p, b"first\nsecond\n")
            self.assertEqual(await next_line(log), b"first")
            self.assertEqual(await next_line(log), b"second")
            append(p, b"third\n")
            self.assertEqual(await next_line(log), b"third")

    async def test_partial_line_is_held_until_its_newline(self):
        p = self.path("app.log")
        async with atail.open(p) as log:
            append(p, b"par")
            with self.assertRaises(asyncio.TimeoutError):
                await next_line(log, QUIET)
            append(p, b"tial\nnext\n")
            self.assertEqual(await next_line(log), b"partial")
            self.assertEqual(await next_line(log), b"next")

    async def test_async_for_over_a_writer(self):
        writer = log_writer()
        if writer is None:
            self.skipTest("log_writer is not built (ATAIL_BIN_DIR)")
        p = self.path("app.log")
        n = 2000
        async with atail.open(p) as log:
            proc = await asyncio.create_subprocess_exec(
                writer, "--file", p, "--count", str(n), "--interval", "0"
            )
            try:
                seqs = await asyncio.wait_for(_collect_seqs(log, n), DEADLINE)
                # It exits by itself after --count lines. (Signalling it now
                # could race with asyncio's reaping of it.)
                self.assertEqual(await asyncio.wait_for(proc.wait(), DEADLINE), 0)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        self.assertEqual(seqs, list(range(1, n + 1)))

    async def test_batches_give_everything_ready_at_once(self):
        p = self.path("app.log", b"".join(b"line %d\n" % i for i in range(10000)))
        async with atail.open(p, start="begin", follow="none") as log:
            got = []
            async for batch in log.batches():
                self.assertIsInstance(batch, list)
                got.extend(batch)
        self.assertEqual(got, [b"line %d" % i for i in range(10000)])

    async def test_chunks_copy_the_file_exactly(self):
        body = b"".join(b"line %d\n" % i for i in range(100000)) + b"no newline yet"
        p = self.path("app.log", body)
        async with atail.open(p, start="begin", follow="none", chunks=True) as log:
            chunks = [chunk async for chunk in log]
        self.assertTrue(all(isinstance(c, bytes) for c in chunks))
        self.assertLess(len(chunks), 100, "whole runs of lines, not one per line")
        self.assertEqual(b"".join(chunks), body)

    async def test_chunks_follow_appends_and_show_a_partial_line_at_once(self):
        p = self.path("app.log", b"old\n")
        async with atail.open(p, start="end", follow="name", chunks=True) as log:
            append(p, b"a\nb\n")
            got = b""
            while got != b"a\nb\n":
                got += await next_line(log)
            append(p, b"part")
            self.assertEqual(await next_line(log), b"part")

    async def test_follow_none_ends_iteration_at_eof(self):
        p = self.path("app.log", b"a\nb\nlast without newline")
        async with atail.open(p, start="begin", follow="none") as log:
            lines = [line async for line in log]
            # Ended: iterating again gives nothing more.
            self.assertEqual([line async for line in log], [])
        self.assertEqual(lines, [b"a", b"b", b"last without newline"])

    async def test_awaitables_taken_ahead_keep_their_lines(self):
        # __anext__() called twice before either is awaited: each awaitable
        # still holds its own line (a reused awaitable must not be shared).
        p = self.path("app.log", b"one\ntwo\nthree\n")
        async with atail.open(p, start="begin") as log:
            it = aiter(log)
            self.assertEqual(await anext(it), b"one")
            a, b = it.__anext__(), it.__anext__()
            self.assertEqual((await b, await a), (b"three", b"two"))

    async def test_iteration_without_with_opens_lazily(self):
        p = self.path("app.log", b"x\ny\n")
        lines = [line async for line in atail.open(p, start="begin", follow="none")]
        self.assertEqual(lines, [b"x", b"y"])


def _run_counted(main):
    """Runs main(loop, selector) to its end on a fresh loop whose selector
    counts turns and registrations; returns its result."""
    selector = _CountingSelector()
    loop = asyncio.SelectorEventLoop(selector)
    try:
        return loop.run_until_complete(main(loop, selector))
    finally:
        loop.close()


class IdleTest(TestCase):
    def test_idle_follower_does_not_wake_the_loop(self):
        # No polling timer: while nothing is written, the loop sleeps in its
        # selector. A select() counter shows it (a 0.1 s poller would wake
        # about 10 times in the second watched).
        p = self.path("app.log")

        async def follow():
            async with atail.open(p) as log:
                return await anext(log)

        async def main(loop, selector):
            task = asyncio.ensure_future(follow())
            await asyncio.sleep(0.05)  # let it start waiting
            before = selector.calls
            await asyncio.sleep(1.0)
            idle_wakeups = selector.calls - before
            append(p, b"wake up\n")
            line = await asyncio.wait_for(task, DEADLINE)
            return idle_wakeups, line

        idle_wakeups, line = _run_counted(main)
        self.assertEqual(line, b"wake up")
        self.assertLessEqual(idle_wakeups, 2)  # the sleep's own timer, at most

    def test_descriptor_stays_registered_from_one_line_to_the_next(self):
        # A line that arrives costs one callback and one task step: the
        # descriptor is registered once, not added and removed per wait.
        p = self.path("app.log")

        async def main(loop, selector):
            registered_before = selector.registers
            async with atail.open(p) as log:
                lines = []
                for i in range(20):  # each appended while the follower waits
                    loop.call_later(0.005, append, p, b"line %d\n" % i)
                    lines.append(await next_line(log))
                return lines, selector.registers - registered_before

        lines, registrations = _run_counted(main)
        self.assertEqual(lines, [b"line %d" % i for i in range(20)])
        self.assertEqual(registrations, 1)

    def test_busy_task_does_not_spin_the_loop(self):
        # The descriptor is level-triggered: while the task that iterates
        # does something else and lines wait, the loop must not call back on
        # every turn. It stops watching, and watches again at the next wait.
        p = self.path("app.log")

        async def main(loop, selector):
            async with atail.open(p) as log:
                append(p, b"first\n")
                first = await next_line(log)
                append(p, b"second\n")
                before = selector.calls
                await asyncio.sleep(0.5)  # busy elsewhere; "second" is ready
                turns = selector.calls - before
                return first, await next_line(log), turns

        first, second, turns = _run_counted(main)
        self.assertEqual((first, second), (b"first", b"second"))
        self.assertLessEqual(turns, 4)  # spinning would be thousands


class _CountingSelector(selectors.DefaultSelector):
    """Counts the loop's turns (select) and registrations (add_reader)."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.registers = 0

    def select(self, timeout=None):
        self.calls += 1
        return super().select(timeout)

    def register(self, fileobj, events, data=None):
        self.registers += 1
        return super().register(fileobj, events, data)


async def _collect_seqs(log, n):
    seqs = []
    async for line in log:
        seqs.append(int(line.rsplit(b"seq=", 1)[1]))
        if len(seqs) == n:
            return seqs


class StartTest(TestCase):
    CONTENT = b"1\n2\n3\n4\n5\n"

    def lines(self, **opts):
        p = self.path("app.log", self.CONTENT)
        with atail.open(p, follow="none", **opts) as log:
            return list(log)

    def test_start_positions(self):
        all5 = [b"1", b"2", b"3", b"4", b"5"]
        self.assertEqual(self.lines(), [])
        self.assertEqual(self.lines(start="end"), [])
        self.assertEqual(self.lines(start="begin"), all5)
        self.assertEqual(self.lines(lines=2), [b"4", b"5"])
        self.assertEqual(self.lines(lines=0), [])
        self.assertEqual(self.lines(lines=99), all5)
        self.assertEqual(self.lines(from_line=4), [b"4", b"5"])
        self.assertEqual(self.lines(from_line=1), all5)
        self.assertEqual(self.lines(bytes=4), [b"4", b"5"])
        self.assertEqual(self.lines(from_byte=2), [b"2", b"3", b"4", b"5"])

    def test_blocking_chunks(self):
        p = self.path("app.log", b"1\n2\n3\n")
        with atail.open(p, start="begin", follow="none", chunks=True) as log:
            self.assertEqual(b"".join(log), b"1\n2\n3\n")
        with self.assertRaises(TypeError):
            atail.open(p, chunks="yes")

    def test_nul_delimiter(self):
        p = self.path("app.log", b"a\0b\nc\0")
        with atail.open(p, start="begin", follow="none", delimiter=b"\0") as log:
            self.assertEqual(list(log), [b"a", b"b\nc"])

    def test_long_lines_come_in_pieces(self):
        p = self.path("app.log", b"abcdefghij\nxy\n")
        with atail.open(p, start="begin", follow="none", max_line=4) as log:
            lines = [(ev.data, ev.cut) for ev in log.events() if ev.kind == "line"]
        self.assertEqual(
            lines, [(b"abcd", True), (b"efgh", True), (b"ij", False), (b"xy", False)]
        )


class BlockingTest(TestCase):
    def test_blocking_iterator_waits_for_lines(self):
        p = self.path("app.log", b"before\n")
        lines = [b"line %d" % i for i in range(100)]
        with atail.open(p) as log:
            t = threading.Thread(target=lambda: [append(p, line + b"\n") for line in lines])
            t.start()
            try:
                got = []
                for line in log:
                    got.append(line)
                    if len(got) == len(lines):
                        break
            finally:
                t.join()
        self.assertEqual(got, lines)

    def test_blocking_iterator_first_wait(self):
        # The writer starts only once the iterator is blocked in C.
        p = self.path("app.log")
        with atail.open(p) as log:
            timer = threading.Timer(QUIET, append, (p, b"late\n"))
            timer.start()
            try:
                self.assertEqual(next(log), b"late")
            finally:
                timer.cancel()

    def test_blocking_iterator_ends_with_unfollowed_files(self):
        p = self.path("app.log", b"a\nb\n")
        with atail.open(p, start="begin", follow="none") as log:
            self.assertEqual(list(log), [b"a", b"b"])
            self.assertEqual(list(log), [])

    def test_for_without_with(self):
        p = self.path("app.log", b"a\nb\n")
        self.assertEqual(list(atail.open(p, start="begin", follow="none")), [b"a", b"b"])

    def test_external_loop_with_fileno(self):
        # The low-level contract for event loops of one's own.
        p = self.path("app.log")
        with atail.open(p) as log:
            sel = selectors.DefaultSelector()
            sel.register(log.fileno(), selectors.EVENT_READ)
            try:
                append(p, b"polled\n")
                self.assertTrue(sel.select(DEADLINE))
                self.assertEqual(next(log), b"polled")
            finally:
                sel.close()

    def test_ctrl_c_interrupts_a_blocking_wait(self):
        p = self.path("app.log")
        script = (
            "import atail\n"
            "try:\n"
            f"    with atail.open({p!r}) as log:\n"
            "        print('ready', flush=True)\n"
            "        for line in log: pass\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n"
        )
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        try:
            self.assertEqual(proc.stdout.readline(), b"ready\n")
            deadline = time.monotonic() + DEADLINE
            while proc.poll() is None and time.monotonic() < deadline:
                proc.send_signal(signal.SIGINT)  # again, if it came before the wait
                try:
                    proc.wait(QUIET)
                except subprocess.TimeoutExpired:
                    pass
            self.assertEqual(proc.wait(DEADLINE), 0)
            self.assertEqual(proc.stdout.read(), b"interrupted\n")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()

    def test_many_lines_through_a_subprocess_writer(self):
        writer = log_writer()
        if writer is None:
            self.skipTest("log_writer is not built (ATAIL_BIN_DIR)")
        p = self.path("app.log")
        n = 5000
        with atail.open(p) as log:
            proc = subprocess.Popen([writer, "--file", p, "--count", str(n), "--interval", "0"])
            try:
                seqs = []
                for line in log:
                    seqs.append(int(line.rsplit(b"seq=", 1)[1]))
                    if len(seqs) == n:
                        break
                self.assertEqual(proc.wait(DEADLINE), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        self.assertEqual(seqs, list(range(1, n + 1)))


if __name__ == "__main__":
    unittest.main()
