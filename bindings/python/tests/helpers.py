"""Shared helpers of the atail binding tests: scratch files, descriptor
counts, deadlines. Standard library only."""

from __future__ import annotations

import asyncio
import faulthandler
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import atail  # noqa: F401  (fail early, with a clear error, if not importable)

SOURCE_DIR = Path(os.environ.get("ATAIL_SOURCE_DIR") or Path(__file__).resolve().parents[3])
BIN_DIR = Path(os.environ["ATAIL_BIN_DIR"]) if os.environ.get("ATAIL_BIN_DIR") else None

# Longest any single expected event may take to arrive.
DEADLINE = 10.0
# How long "nothing arrives" is watched for, where absence is the point.
QUIET = 0.3


def log_writer() -> str | None:
    """Path of the built log_writer, or None."""
    if BIN_DIR is not None and os.access(BIN_DIR / "log_writer", os.X_OK):
        return str(BIN_DIR / "log_writer")
    return None


def open_fds() -> int:
    """How many descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def append(path: str | os.PathLike, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


async def next_line(aiter, timeout: float = DEADLINE):
    """The next item of an async iterator, failing after `timeout`."""
    return await asyncio.wait_for(anext(aiter), timeout)


class ScratchMixin:
    """A fresh directory per test, and a watchdog: a test that hangs dumps
    the stacks and exits instead of blocking the suite."""

    def setUp(self) -> None:
        super().setUp()
        self.dir = Path(tempfile.mkdtemp(prefix="atail-py-"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        faulthandler.dump_traceback_later(60, exit=True)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)

    def path(self, name: str, content: bytes | None = b"") -> str:
        """scratch/name, created with `content` unless None."""
        p = self.dir / name
        if content is not None:
            p.write_bytes(content)
        return str(p)


class TestCase(ScratchMixin, unittest.TestCase):
    pass


class AsyncTestCase(ScratchMixin, unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # The test loop runs in debug mode; a step that drains thousands of
        # lines is expected, and not worth a "slow callback" warning.
        asyncio.get_running_loop().slow_callback_duration = 5.0
