"""events(): several files at once, and what happens to them."""

from __future__ import annotations

import os
import shutil
import time
import unittest
from pathlib import Path

import atail
from helpers import DEADLINE, AsyncTestCase, TestCase, append, next_line


class EventsTest(AsyncTestCase):
    async def test_many_files_initial_content_in_order(self):
        paths = [self.path(f"f{i:02}.log", b"".join(b"%d-%d\n" % (i, j) for j in range(3)))
                 for i in range(40)]
        async with atail.open(paths, start="begin", follow="none") as log:
            self.assertEqual(log.paths, tuple(paths))
            events = [ev async for ev in log.events()]
        lines = [(ev.path, ev.data) for ev in events if ev.kind == "line"]
        expected = [(p, b"%d-%d" % (i, j)) for i, p in enumerate(paths) for j in range(3)]
        self.assertEqual(lines, expected)  # tail a b c: each file's content in turn
        ends = [ev.file for ev in events if ev.kind == "end"]
        self.assertEqual(sorted(ends), list(range(40)))
        eofs = [ev for ev in events if ev.kind == "eof"]
        self.assertEqual(len(eofs), 40)

    async def test_many_files_followed(self):
        paths = [self.path(f"f{i}.log", b"old\n") for i in range(10)]
        async with atail.open(paths) as log:
            events = log.events()
            # Each file reports the end of its (skipped) initial content.
            eofs = {(await next_line(events)).path for _ in paths}
            self.assertEqual(eofs, set(paths))
            for round in range(3):
                for i, p in enumerate(reversed(paths)):
                    append(p, b"round %d\n" % round)
                    ev = await next_line(events)
                    self.assertEqual((ev.kind, ev.path, ev.data), ("line", p, b"round %d" % round))
                    self.assertEqual(ev.file, len(paths) - 1 - i)
                    self.assertEqual(ev.offset, 4 + 8 * round)

    async def test_truncation_is_reported(self):
        p = self.path("app.log", b"a long first line\n")
        async with atail.open(p, start="begin") as log:
            events = log.events()
            ev = await next_line(events)
            self.assertEqual((ev.kind, ev.data, ev.offset), ("line", b"a long first line", 0))
            self.assertEqual((await next_line(events)).kind, "eof")
            with open(p, "wb") as f:  # : > app.log, then a new short line
                f.write(b"new\n")
            ev = await next_line(events)
            self.assertEqual((ev.kind, ev.offset), ("truncated", 18))
            ev = await next_line(events)
            self.assertEqual((ev.kind, ev.data, ev.offset), ("line", b"new", 0))

    async def test_a_deleted_copytruncate_copy_is_reported_lost(self):
        p = self.path("app.log", b"a1\n")

        def copytruncate(line: bytes) -> None:
            # A copy born later than anything before (file times tick every
            # few ms), as logrotate's `copytruncate` with `rotate 5`.
            probe = self.path("probe")
            before = os.stat(probe).st_mtime_ns
            deadline = time.monotonic() + DEADLINE
            while os.stat(self.path("probe")).st_mtime_ns == before:
                self.assertLess(time.monotonic(), deadline, "file times do not move")
                time.sleep(0.001)
            for i in range(4, 0, -1):
                if os.path.exists(f"{p}.{i}"):
                    os.rename(f"{p}.{i}", f"{p}.{i + 1}")
            shutil.copyfile(p, f"{p}.1")
            os.truncate(p, 0)
            append(p, line)

        async with atail.open(p, start="begin", follow="name") as log:
            events = log.events()
            self.assertEqual((await next_line(events)).data, b"a1")
            self.assertEqual((await next_line(events)).kind, "eof")
            append(p, b"a2\n")
            copytruncate(b"b1\n")
            copytruncate(b"c1\n")
            os.unlink(f"{p}.2")  # a1 a2: gone before a2 was read
            ev = await next_line(events)
            self.assertEqual((ev.kind, ev.size, ev.at_least, ev.lost_range), ("lost", 0, True, (3, 3)))
            self.assertTrue(ev.flags & atail.LOST_AT_LEAST)
            kinds = [(ev.kind, ev.data) for ev in [await next_line(events) for _ in range(4)]]
            self.assertEqual(kinds, [("truncated", None), ("line", b"b1"), ("truncated", None),
                                     ("line", b"c1")])

    async def test_lines_and_events_are_exclusive(self):
        p = self.path("app.log", b"a\n")
        async with atail.open(p, start="begin") as log:
            self.assertEqual(await next_line(log), b"a")
            with self.assertRaises(RuntimeError):
                log.events()
        async with atail.open(p, start="begin") as log:
            log.events()
            with self.assertRaises(RuntimeError):
                await next_line(log)


class EventObjectTest(TestCase):
    def test_fields(self):
        p = self.path("app.log", b"one\ntwo")
        with atail.open(p, start="begin", follow="none") as log:
            events = list(log.events())
        self.assertEqual([ev.kind for ev in events], ["line", "line", "eof", "end"])
        one, two, eof, end = events
        self.assertEqual((one.path, one.file, one.offset, one.data), (p, 0, 0, b"one"))
        self.assertEqual((one.cut, one.no_delim, one.flags, one.error), (False, False, 0, 0))
        self.assertEqual((two.offset, two.data, two.no_delim), (4, b"two", True))
        self.assertEqual(two.flags, atail.LINE_NO_DELIM)
        self.assertEqual((eof.offset, eof.data), (7, None))
        self.assertIn("kind='line'", repr(one))
        self.assertIn("data=b'one'", repr(one))
        with self.assertRaises(AttributeError):
            one.data = b"changed"
        with self.assertRaises(TypeError):
            atail.Event()

    def test_path_types(self):
        p = self.path("app.log", b"x\n")
        for given, reported in [(p, p), (os.fsencode(p), os.fsencode(p)), (Path(p), p)]:
            with atail.open(given, start="begin", follow="none") as log:
                ev = next(log.events())
            self.assertEqual(ev.path, reported)

    def test_descriptor_of_a_pipe(self):
        r, w = os.pipe()
        try:
            with atail.open(r, start="begin") as log:
                os.write(w, b"x\ny\npartial")
                os.close(w)
                w = -1
                events = [(ev.kind, ev.path, ev.data) for ev in log.events()]
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        name = f"fd {r}"
        self.assertEqual(
            [e for e in events if e[0] == "line"],
            [("line", name, b"x"), ("line", name, b"y"), ("line", name, b"partial")],
        )
        self.assertEqual(events[-1][0], "end")


if __name__ == "__main__":
    unittest.main()
