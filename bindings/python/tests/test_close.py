"""Every way out of a follower closes it: the end of the block, break, an
exception, task cancellation, a failed open; no descriptor stays open."""

from __future__ import annotations

import asyncio
import gc
import unittest

import atail
from helpers import DEADLINE, AsyncTestCase, TestCase, append, next_line, open_fds


class Boom(Exception):
    pass


class AsyncCloseTest(AsyncTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.log_path = self.path("app.log", b"a\nb\nc\n")
        self.fds = open_fds()  # the loop's own descriptors exist already

    def assertNoLeak(self):
        gc.collect()
        self.assertEqual(open_fds(), self.fds)

    async def test_normal_exit(self):
        async with atail.open(self.log_path, start="begin", follow="none") as log:
            self.assertGreater(open_fds(), self.fds)
            self.assertEqual([line async for line in log], [b"a", b"b", b"c"])
        self.assertTrue(log.closed)
        self.assertNoLeak()

    async def test_break(self):
        async with atail.open(self.log_path, start="begin") as log:
            async for line in log:
                break
        self.assertEqual(line, b"a")
        self.assertTrue(log.closed)
        self.assertNoLeak()

    async def test_exception(self):
        with self.assertRaises(Boom):
            async with atail.open(self.log_path, start="begin") as log:
                async for _ in log:
                    raise Boom
        self.assertTrue(log.closed)
        self.assertNoLeak()

    async def test_cancellation_while_waiting(self):
        loop = asyncio.get_running_loop()
        waiting = asyncio.Event()
        seen = {}

        async def follow():
            async with atail.open(self.log_path) as log:  # from the end: waits
                seen["fd"] = log.fileno()
                seen["log"] = log
                waiting.set()
                async for line in log:
                    seen.setdefault("lines", []).append(line)

        task = asyncio.create_task(follow())
        await asyncio.wait_for(waiting.wait(), DEADLINE)
        await asyncio.sleep(0)  # into the wait on the descriptor
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assertTrue(seen["log"].closed)
        self.assertNotIn("lines", seen)
        # The descriptor is no longer watched by the loop, and no longer open.
        self.assertFalse(loop.remove_reader(seen["fd"]))
        self.assertNoLeak()

    async def test_cancellation_by_timeout_keeps_the_follower_usable(self):
        p = self.path("empty.log")
        async with atail.open(p) as log:
            for _ in range(3):
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(anext(log), 0.05)
            append(p, b"still here\n")
            self.assertEqual(await next_line(log), b"still here")
        self.assertNoLeak()

    async def test_close_from_another_task_ends_iteration(self):
        p = self.path("empty.log")
        async with atail.open(p) as log:
            async def closer():
                await asyncio.sleep(0.05)
                log.close()

            asyncio.get_running_loop().create_task(closer())
            lines = await asyncio.wait_for(_collect(log), DEADLINE)
        self.assertEqual(lines, [])
        self.assertNoLeak()

    async def test_failed_open_closes_what_was_opened(self):
        with self.assertRaises(FileNotFoundError):
            async with atail.open([self.log_path, self.dir / "missing.log"]):
                self.fail("entered")
        self.assertNoLeak()

    async def test_two_tasks_cannot_wait_on_one_follower(self):
        p = self.path("empty.log")
        async with atail.open(p) as log:
            first = asyncio.create_task(anext(log))
            await asyncio.sleep(0.05)
            with self.assertRaises(RuntimeError):
                await asyncio.wait_for(anext(log), DEADLINE)
            first.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await first
        self.assertNoLeak()

    async def test_lazy_iteration_is_closed_when_dropped(self):
        lines = []
        async for line in atail.open(self.log_path, start="begin"):
            lines.append(line)
            if len(lines) == 3:
                break
        self.assertEqual(lines, [b"a", b"b", b"c"])
        self.assertNoLeak()

    async def test_lazy_iteration_that_waited_is_closed_when_dropped(self):
        # The loop keeps watching the descriptor between waits; that must
        # not keep a dropped follower (and its descriptors) alive.
        asyncio.get_running_loop().call_later(0.05, append, self.log_path, b"d\n")
        lines = []
        async for line in atail.open(self.log_path):  # from the end: it waits
            lines.append(line)
            break
        self.assertEqual(lines, [b"d"])
        self.assertNoLeak()


async def _collect(aiter):
    return [x async for x in aiter]


class CloseTest(TestCase):
    def setUp(self):
        super().setUp()
        self.log_path = self.path("app.log", b"a\nb\nc\n")
        self.fds = open_fds()

    def assertNoLeak(self):
        gc.collect()
        self.assertEqual(open_fds(), self.fds)

    def test_with_block(self):
        with atail.open(self.log_path, start="begin") as log:
            self.assertEqual(next(log), b"a")
        self.assertTrue(log.closed)
        self.assertNoLeak()

    def test_break_and_exception(self):
        with atail.open(self.log_path, start="begin") as log:
            for _ in log:
                break
        with self.assertRaises(Boom):
            with atail.open(self.log_path, start="begin") as log:
                for _ in log:
                    raise Boom
        self.assertNoLeak()

    def test_close_is_idempotent_and_final(self):
        log = atail.open(self.log_path, start="begin")
        self.assertFalse(log.closed)
        log.close()
        log.close()
        self.assertTrue(log.closed)
        with self.assertRaises(ValueError):
            log.__enter__()
        with self.assertRaises(ValueError):
            next(log)
        self.assertNoLeak()

    def test_iterating_a_closed_follower_raises(self):
        with atail.open(self.log_path, start="begin") as log:
            it = iter(log)
            self.assertEqual(next(it), b"a")
        with self.assertRaises(ValueError):
            next(it)
        self.assertNoLeak()

    def test_unentered_follower_opens_nothing(self):
        log = atail.open(self.dir / "missing.log")  # checked on entry, not here
        self.assertEqual(open_fds(), self.fds)
        with self.assertRaises(FileNotFoundError):
            log.__enter__()
        self.assertNoLeak()

    def test_many_open_close_cycles(self):
        for _ in range(200):
            with atail.open(self.log_path, lines=1, follow="none") as log:
                self.assertEqual(list(log), [b"c"])
        self.assertNoLeak()


if __name__ == "__main__":
    unittest.main()
