"""atail.glob(): every file matching a pattern, now and later."""

from __future__ import annotations

import unittest

import atail
from helpers import AsyncTestCase, TestCase, append, next_line


class GlobTest(TestCase):
    def setUp(self):
        super().setUp()
        for name in ["b.log", "a.log", "c.txt", "old.log.gz"]:
            self.path(name, name.encode() + b" 1\n" + name.encode() + b" 2\n")

    def lines(self, *args, **opts):
        with atail.glob(*args, start="begin", follow="none", **opts) as log:
            return [(ev.path, ev.data) for ev in log.events() if ev.kind == "line"]

    def test_matches_in_name_order(self):
        a, b = str(self.dir / "a.log"), str(self.dir / "b.log")
        self.assertEqual(
            self.lines(self.dir / "*.log"),
            [(a, b"a.log 1"), (a, b"a.log 2"), (b, b"b.log 1"), (b, b"b.log 2")],
        )

    def test_exclude_and_several_patterns(self):
        got = self.lines([self.dir / "*.log", self.dir / "*.txt"], exclude=["b*"])
        self.assertEqual(sorted({data.split()[0] for _, data in got}), [b"a.log", b"c.txt"])
        got = self.lines(self.dir / "*", exclude="*.gz")
        self.assertNotIn(b"old.log.gz", {data.split()[0] for _, data in got})

    def test_no_match_ends_at_once(self):
        self.assertEqual(self.lines(self.dir / "*.nothing"), [])

    def test_errors(self):
        with self.assertRaises(FileNotFoundError):
            with atail.glob(self.dir / "missing" / "*.log"):
                pass
        with self.assertRaises(ValueError):
            atail.glob(self.dir / "*.log", follow="descriptor")
        with self.assertRaises(ValueError):
            atail.glob([])
        with self.assertRaises(TypeError):
            atail.glob(3)
        with self.assertRaises(TypeError):
            atail.glob(self.dir / "*.log", exclude=[1])


class LateFilesTest(AsyncTestCase):
    async def test_files_that_appear_later_are_read_from_their_start(self):
        first = self.path("first.log", b"old\n")
        async with atail.glob(self.dir / "*.log") as log:
            events = log.events()
            self.assertEqual((await next_line(events)).kind, "eof")  # first.log: from its end
            append(first, b"more\n")
            ev = await next_line(events)
            self.assertEqual((ev.path, ev.data), (first, b"more"))
            late = str(self.dir / "late.log")
            append(late, b"born\n")
            kinds = []
            while True:
                ev = await next_line(events)
                kinds.append(ev.kind)
                if ev.kind == "line":
                    break
            self.assertIn("appeared", kinds)
            self.assertEqual((ev.path, ev.data, ev.offset), (late, b"born", 0))

    async def test_plain_iteration(self):
        async with atail.glob(self.dir / "*.log") as log:
            append(self.dir / "x.log", b"x1\n")
            self.assertEqual(await next_line(log), b"x1")


if __name__ == "__main__":
    unittest.main()
