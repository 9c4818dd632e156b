"""Following by name through rotation, while the writer keeps writing:
no line lost, none twice, in order."""

from __future__ import annotations

import asyncio
import os
import threading
import unittest

import atail
from helpers import DEADLINE, AsyncTestCase, append, next_line


class Writer(threading.Thread):
    """Appends seq=1..n to path, rotating it every `every` lines by
    `rotate(path, k)` and going on in a new file, as a logger does."""

    def __init__(self, path, n, every, rotate, before=None, after=None):
        super().__init__()
        self.path, self.n, self.every, self.rotate = path, n, every, rotate
        self.before = before or (lambda seq: None)
        self.after = after or (lambda seq: None)
        self.error = None

    def run(self):
        try:
            f = open(self.path, "ab", buffering=0)
            for seq in range(1, self.n + 1):
                f.write(b"seq=%d\n" % seq)
                if seq % self.every == 0 and seq < self.n:
                    self.before(seq)
                    f.close()
                    self.rotate(self.path, seq // self.every)
                    self.after(seq)
                    f = open(self.path, "ab", buffering=0)
            f.close()
        except BaseException as e:  # reported by the test
            self.error = e


class Gates:
    """Lets the writer rotate only once the follower has read the first line
    of the current file: the follower may lag behind the writer by up to a
    whole file and one rotation, but not by two rotations (libatail does not
    follow a chain of renames it has not seen yet: the middle file would be
    skipped)."""

    def __init__(self, n, every):
        self.every = every
        self.events = {seq: threading.Event() for seq in range(every + 1, n + 1, every)}

    def seen(self, seq):
        if seq in self.events:
            self.events[seq].set()

    def before_rotation(self, seq):
        first = seq - self.every + 1  # first line of the file about to rotate
        if first in self.events:
            self.events[first].wait(DEADLINE)

    def release(self):
        for e in self.events.values():
            e.set()


async def collect(log, n, gates):
    seqs = []
    async for line in log:
        seqs.append(int(line.split(b"=")[1]))
        gates.seen(seqs[-1])
        if len(seqs) == n:
            return seqs
    return seqs


async def wait_closed(log: atail.Follower, path: str) -> None:
    """Waits, serving log (its idle timer runs in its calls), until this
    process holds no descriptor open on path."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        try:
            line = await next_line(log, 0.02)
        except asyncio.TimeoutError:
            pass
        else:
            raise AssertionError(f"a line while idle: {line!r}")
        links = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                links.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                pass
        if os.path.abspath(path) not in links:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{path} was never closed")


class RotationTest(AsyncTestCase):
    async def follow_rotations(self, rotate, n=20000, every=2500):
        p = self.path("app.log")
        gates = Gates(n, every)
        async with atail.open(p, follow="name") as log:
            events, lines = [], 0
            writer = Writer(p, n, every, rotate, before=gates.before_rotation)
            writer.start()
            try:
                async for ev in log.events():
                    if ev.kind == "line":
                        events.append(int(ev.data.split(b"=")[1]))
                        gates.seen(events[-1])
                        lines += 1
                        if lines == n:
                            break
                    elif ev.kind == "rotated":
                        events.append("rotated")
            finally:
                gates.release()
                await asyncio.get_running_loop().run_in_executor(None, writer.join)
        self.assertIsNone(writer.error)
        seqs = [e for e in events if e != "rotated"]
        self.assertEqual(seqs, list(range(1, n + 1)))  # none lost, none twice, in order
        self.assertEqual(events.count("rotated"), n // every - 1)
        return events

    async def test_rename_and_create(self):
        def rename(path, k):
            os.rename(path, f"{path}.{k}")

        events = await self.follow_rotations(rename)
        # Each rotation comes right after the old file's last line.
        for i, e in enumerate(events):
            if e == "rotated":
                self.assertEqual(events[i - 1] % 2500, 0)

    async def test_delete_and_create(self):
        await self.follow_rotations(lambda path, k: os.unlink(path))

    async def test_copytruncate_when_caught_up(self):
        # copytruncate loses what the follower had not read when the file
        # is truncated, and a truncation is missed if the file grows past
        # the old offset before the follower looks (libatail does not read
        # the copy yet). So the writer truncates once the follower has read
        # everything, and goes on once it has seen the truncation.
        p = self.path("app.log")
        loop = asyncio.get_running_loop()
        n, every = 3000, 1000
        caught_up = {k: threading.Event() for k in range(every, n, every)}
        truncated = {k: threading.Event() for k in range(every, n, every)}

        def copytruncate(path, k):
            with open(path, "rb") as src, open(f"{path}.{k}", "wb") as dst:
                dst.write(src.read())
            os.truncate(path, 0)

        async with atail.open(p, follow="name") as log:
            writer = Writer(p, n, every, copytruncate,
                            before=lambda seq: caught_up[seq].wait(DEADLINE),
                            after=lambda seq: truncated[seq].wait(DEADLINE))
            writer.start()
            seqs, kinds = [], []
            try:
                async for ev in log.events():
                    kinds.append(ev.kind)
                    if ev.kind == "truncated":
                        truncated[seqs[-1]].set()
                    if ev.kind == "line":
                        seqs.append(int(ev.data.split(b"=")[1]))
                        if seqs[-1] in caught_up:
                            caught_up[seqs[-1]].set()
                        if len(seqs) == n:
                            break
            finally:
                for e in [*caught_up.values(), *truncated.values()]:
                    e.set()
                await loop.run_in_executor(None, writer.join)
        self.assertIsNone(writer.error)
        self.assertEqual(seqs, list(range(1, n + 1)))
        self.assertEqual(kinds.count("truncated"), len(caught_up))

    async def test_name_gone_and_back_with_retry(self):
        p = self.path("app.log")
        async with atail.open(p, follow="name", retry=True, rotate_grace=0) as log:
            append(p, b"one\n")
            self.assertEqual(await next_line(log), b"one")
            os.unlink(p)
            append(p, b"two\n")  # a new file under the name
            self.assertEqual(await next_line(log), b"two")

    async def test_close_idle_reopens_after_a_rotation(self):
        p = self.path("app.log", b"one\n")
        async with atail.open(p, start="begin", follow="name", close_idle=0.05) as log:
            self.assertEqual(await next_line(log), b"one")
            await wait_closed(log, p)
            append(p, b"two\n")  # to the closed file, then rotated
            os.rename(p, p + ".1")
            append(p, b"three\n")
            self.assertEqual(await next_line(log), b"two")
            self.assertEqual(await next_line(log), b"three")

    async def test_plain_iteration_through_rotation(self):
        p = self.path("app.log")
        gates = Gates(5000, 1000)
        async with atail.open(p, follow="name") as log:
            writer = Writer(p, 5000, 1000, lambda path, k: os.rename(path, f"{path}.{k}"),
                            before=gates.before_rotation)
            writer.start()
            try:
                seqs = await asyncio.wait_for(collect(log, 5000, gates), DEADLINE * 3)
            finally:
                gates.release()
                await asyncio.get_running_loop().run_in_executor(None, writer.join)
        self.assertEqual(seqs, list(range(1, 5001)))


if __name__ == "__main__":
    unittest.main()
