"""examples/async_tail.py, run as a user would: exactly N lines, and no
process left behind, however it ends."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import unittest

from helpers import DEADLINE, SOURCE_DIR, TestCase, log_writer

EXAMPLE = SOURCE_DIR / "examples" / "async_tail.py"
LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} seq=(\d+)$")


@unittest.skipUnless(EXAMPLE.exists(), "examples/async_tail.py not found (ATAIL_SOURCE_DIR)")
class ExampleTest(TestCase):
    def setUp(self):
        super().setUp()
        writer = log_writer()
        if writer is None:
            self.skipTest("log_writer is not built (ATAIL_BIN_DIR)")
        self.env = dict(os.environ, ATAIL_LOG_WRITER=writer)

    def run_example(self, *args, env=None):
        return subprocess.run(
            [sys.executable, str(EXAMPLE), *args],
            cwd=self.dir,
            env=env or self.env,
            capture_output=True,
            timeout=3 * DEADLINE,
        )

    def processes_in_scratch_dir(self):
        """Processes whose working directory is this test's directory."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.readlink(f"/proc/{pid}/cwd") == str(self.dir):
                    found.append(int(pid))
            except OSError:
                pass
        return found

    def assertLines(self, stdout, n):
        lines = stdout.splitlines()
        self.assertEqual(len(lines), n, stdout)
        seqs = [int(LINE.match(line).group(1)) for line in lines]
        self.assertEqual(seqs, list(range(1, n + 1)))

    def test_prints_exactly_ten_lines(self):
        r = self.run_example("-i", "0.01")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLines(r.stdout, 10)
        self.assertEqual(r.stderr, b"")
        self.assertEqual(self.processes_in_scratch_dir(), [])
        self.assertTrue((self.dir / "app.log").exists())

    def test_count_argument(self):
        r = self.run_example("-i", "0.001", "25")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLines(r.stdout, 25)
        r = self.run_example("-i", "0.001", "-n", "3")
        self.assertLines(r.stdout, 3)
        self.assertEqual(self.processes_in_scratch_dir(), [])

    def test_follows_from_the_end(self):
        (self.dir / "app.log").write_bytes(b"an older line\n")
        r = self.run_example("-i", "0.01", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLines(r.stdout, 2)

    def test_writer_dying_early(self):
        env = dict(self.env, ATAIL_LOG_WRITER="/bin/true")
        r = self.run_example(env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"exited early", r.stderr)

    def test_writer_exiting_after_some_lines(self):
        # Its last lines are printed before the example notices its death.
        wrapper = self.dir / "short_writer"
        wrapper.write_text(f'#!/bin/sh\nexec "{log_writer()}" --count 3 "$@"\n')
        wrapper.chmod(0o755)
        r = self.run_example("-i", "0.01", env=dict(self.env, ATAIL_LOG_WRITER=str(wrapper)))
        self.assertEqual(r.returncode, 1)
        self.assertLines(r.stdout, 3)
        self.assertIn(b"exited early (status 0)", r.stderr)

    def test_interrupt_stops_and_reaps_the_writer(self):
        p = subprocess.Popen(
            [sys.executable, str(EXAMPLE), "-i", "0.05", "1000"],
            cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        try:
            with selectors.DefaultSelector() as sel:  # the first line, with a deadline
                sel.register(p.stdout, selectors.EVENT_READ)
                self.assertTrue(sel.select(DEADLINE), "no line from the example")
            self.assertRegex(p.stdout.readline(), LINE)
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(DEADLINE), 130)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        # Its writer was stopped and reaped before it exited.
        self.assertEqual(self.processes_in_scratch_dir(), [])


if __name__ == "__main__":
    unittest.main()
