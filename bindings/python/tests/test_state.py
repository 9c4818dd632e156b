"""Checkpoints: commit() and a state file let the next follower resume
where the last one stopped; at-least-once, never a gap."""

from __future__ import annotations

import errno
import shutil
import subprocess
import time
import unittest

import atail
from helpers import DEADLINE, AsyncTestCase, TestCase, log_writer


def numbered(a, b):
    return b"".join(b"line %d\n" % i for i in range(a, b))


class StateTest(TestCase):
    def test_resume_after_the_last_commit(self):
        p = self.path("app.log", numbered(1, 11))
        state = self.dir / "app.state"
        with atail.open(p, start="begin", state=state) as log:
            for i, line in zip(range(4), log):
                log.commit()
        self.assertTrue(state.exists())
        with open(p, "ab") as f:
            f.write(numbered(11, 13))
        with atail.open(p, start="begin", follow="none", state=state) as log:
            self.assertEqual(list(log), [b"line %d" % i for i in range(5, 13)])

    def test_uncommitted_lines_come_again(self):
        p = self.path("app.log", numbered(1, 11))
        state = self.dir / "app.state"
        with atail.open(p, start="begin", state=state) as log:
            it = iter(log)
            next(it)
            next(it)
            log.commit()  # lines 1 and 2 are done
            next(it)  # line 3 read but not committed
        with atail.open(p, start="end", follow="none", state=state) as log:
            self.assertEqual(next(log), b"line 3")  # the state wins over start

    def test_save_now(self):
        p = self.path("app.log", numbered(1, 3))
        state = self.dir / "app.state"
        with atail.open(p, start="begin", state=state, state_interval=3600) as log:
            next(log)
            log.commit()
            log.save()
            self.assertTrue(state.exists())

    def test_without_state_commit_does_nothing(self):
        p = self.path("app.log", numbered(1, 3))
        with atail.open(p, start="begin") as log:
            next(log)
            log.commit()
            log.save()
        self.assertEqual(sorted(x.name for x in self.dir.iterdir()), ["app.log"])


class StateErrorTest(TestCase):
    """A periodic save that fails (the state file's directory removed) is an
    error event of file -1, named by the state file's path."""

    def setUp(self):
        super().setUp()
        self.log_path = self.path("app.log", b"a\nb\nc\n")
        (self.dir / "st").mkdir()
        self.state = str(self.dir / "st" / "app.state")

    def test_as_an_event(self):
        with atail.open(self.log_path, start="begin", state=self.state,
                        state_interval=0.01) as log:
            events = log.events()
            self.assertEqual(next(events).data, b"a")
            log.commit()  # the first commit is saved at once
            shutil.rmtree(self.dir / "st")
            self.assertEqual(next(events).data, b"b")
            log.commit()  # saved after the interval: that save fails
            kinds = []
            for ev in events:
                kinds.append(ev.kind)
                if ev.kind == "error":
                    break
            self.assertEqual((ev.file, ev.path, ev.error), (-1, self.state, errno.ENOENT))
            self.assertEqual(kinds[0], "line")  # c came on

    def test_plain_iteration_raises_after_the_lines_before(self):
        from atail import _atail  # the low level: one read of several lines

        h = _atail.Handle(state_path=self.state, state_interval_ms=10)
        try:
            h.follow(self.log_path, start=_atail.START_BEGIN)
            self.assertEqual(h.read_batch(1), [b"a"])
            h.commit()  # the first commit is saved at once
            shutil.rmtree(self.dir / "st")
            self.assertEqual(h.read_batch(1), [b"b"])
            h.commit()  # its save fails a moment later
            self.assertTrue(h.wait(DEADLINE))
            # Let the failed save be due when c is read, so that one read
            # meets both: the line is returned, the error set aside for the
            # next read. (Later, it just comes with a later read.)
            time.sleep(0.05)
            self.assertEqual(h.read_batch(10), [b"c"])
            with self.assertRaises(FileNotFoundError) as cm:
                while True:  # until the error comes
                    self.assertTrue(h.wait(DEADLINE))
                    h.read_batch(10)
            self.assertEqual(cm.exception.filename, self.state)
            with open(self.log_path, "ab") as f:
                f.write(b"d\n")
            self.assertTrue(h.wait(DEADLINE))
            self.assertEqual(h.read_batch(10), [b"d"])  # and it goes on
        finally:
            h.close()


class AsyncStateTest(AsyncTestCase):
    async def test_async_commit_per_line(self):
        p = self.path("app.log", numbered(1, 101))
        state = self.dir / "app.state"
        async with atail.open(p, start="begin", state=state) as log:
            n = 0
            async for line in log:
                n += 1
                log.commit()
                if n == 60:
                    break
        async with atail.open(p, follow="none", state=state) as log:
            rest = [line async for line in log]
        self.assertEqual(rest, [b"line %d" % i for i in range(61, 101)])


class WatchPidTest(TestCase):
    def test_iteration_ends_when_the_writer_exits(self):
        writer = log_writer()
        if writer is None:
            self.skipTest("log_writer is not built (ATAIL_BIN_DIR)")
        p = self.path("app.log")
        with atail.open(p) as log:
            proc = subprocess.Popen([writer, "--file", p, "--count", "50", "--interval", "0.001"])
            try:
                log.watch_pid(proc.pid)
                lines = list(log)  # ends once it has exited and all is read
            finally:
                proc.wait(DEADLINE)
        self.assertEqual(len(lines), 50)
        self.assertTrue(lines[-1].endswith(b"seq=50"))


if __name__ == "__main__":
    unittest.main()
