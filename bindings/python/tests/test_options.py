"""Options are checked: the documented exceptions, with useful messages."""

from __future__ import annotations

import asyncio
import errno
import os
import pydoc
import unittest

import atail
from helpers import DEADLINE, AsyncTestCase, TestCase


class BadOptionsTest(TestCase):
    def test_value_errors(self):
        p = self.path("app.log")
        for opts in [
            {"start": "middle"},
            {"start": "end", "lines": 3},
            {"lines": 3, "from_line": 2},
            {"lines": -1},
            {"bytes": -1},
            {"from_line": 0},
            {"from_byte": -5},
            {"lines": 1 << 64},
            {"follow": "sideways"},
            {"retry": True},
            {"retry": True, "follow": "descriptor"},
            {"poll_interval": -1},
            {"rotate_grace": float("nan")},
            {"state_interval": float("inf")},
            {"pid": 0},
            {"delimiter": b""},
            {"delimiter": b"ab"},
            {"max_line": 0},
        ]:
            with self.subTest(**{k: repr(v) for k, v in opts.items()}):
                with self.assertRaises(ValueError):
                    atail.open(p, **opts)

    def test_type_errors(self):
        p = self.path("app.log")
        for opts in [
            {"start": 5},
            {"lines": "3"},
            {"lines": True},
            {"lines": 2.0},
            {"follow": None},
            {"delimiter": "\n"},
            {"delimiter": 10},
            {"max_line": 1.5},
            {"no_such_option": 1},
            {"retry": 1},
            {"poll": "yes"},
            {"poll_interval": "1"},
            {"state": 3},
            {"pid": "1"},
        ]:
            with self.subTest(**{k: repr(v) for k, v in opts.items()}):
                with self.assertRaises(TypeError):
                    atail.open(p, **opts)

    def test_bad_paths(self):
        with self.assertRaises(ValueError):
            atail.open([])
        with self.assertRaises(ValueError):
            atail.open("")
        with self.assertRaises(ValueError):
            atail.open(-1)
        with self.assertRaises(TypeError):
            atail.open(3.5)
        with self.assertRaises(TypeError):
            atail.open([self.path("a.log"), None])
        with self.assertRaises(TypeError):
            atail.open(True)
        with self.assertRaises(ValueError):  # embedded NUL: found when opening
            with atail.open("bad\0name"):
                pass

    def test_descriptors_have_no_name_to_follow(self):
        with self.assertRaisesRegex(ValueError, "no name"):
            atail.open(0, follow="name")


class OpenErrorsTest(AsyncTestCase):
    async def test_missing_file(self):
        missing = str(self.dir / "missing.log")
        with self.assertRaises(FileNotFoundError) as cm:
            async with atail.open(missing):
                pass
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertEqual(cm.exception.filename, missing)
        with self.assertRaises(FileNotFoundError) as cm:
            with atail.open([self.path("there.log"), missing]):
                pass
        self.assertEqual(cm.exception.filename, missing)

    async def test_missing_file_with_retry_is_waited_for(self):
        missing = self.dir / "later.log"
        async with atail.open(missing, follow="name", retry=True) as log:
            missing.write_bytes(b"here now\n")
            self.assertEqual(await asyncio.wait_for(anext(log), DEADLINE), b"here now")

    async def test_state_file_in_use(self):
        state = self.dir / "app.state"
        p = self.path("app.log")
        async with atail.open(p, state=state):
            with self.assertRaises(OSError) as cm:
                async with atail.open(p, state=state):
                    pass
        self.assertEqual(cm.exception.errno, errno.EBUSY)
        self.assertEqual(cm.exception.filename, str(state))

    async def test_damaged_state_file(self):
        state = self.path("app.state", b"not a state file\n")
        with self.assertRaises(OSError) as cm:
            async with atail.open(self.path("app.log"), state=state):
                pass
        self.assertEqual(cm.exception.errno, errno.EBADMSG)
        self.assertEqual(cm.exception.filename, state)

    async def test_no_such_process(self):
        with self.assertRaises(ProcessLookupError):
            async with atail.open(self.path("app.log"), pid=(1 << 31) - 1):
                pass

    async def test_directory(self):
        with self.assertRaises(IsADirectoryError) as cm:
            async with atail.open(self.dir):
                pass
        self.assertEqual(cm.exception.filename, str(self.dir))

    @unittest.skipIf(os.geteuid() == 0, "root may read anything")
    async def test_permission_denied(self):
        p = self.path("secret.log")
        os.chmod(p, 0)
        with self.assertRaises(PermissionError) as cm:
            async with atail.open(p):
                pass
        self.assertEqual(cm.exception.filename, p)

    async def test_bad_descriptor(self):
        closed = max(int(fd) for fd in os.listdir("/proc/self/fd")) + 100
        with self.assertRaises(OSError) as cm:
            async with atail.open(closed):
                pass
        self.assertEqual(cm.exception.errno, errno.EBADF)


class DocumentationTest(TestCase):
    def test_help_is_useful(self):
        text = pydoc.render_doc(atail, renderer=pydoc.plaintext)
        for needle in ["async with atail.open", "async for line in log", "events()",
                       "class Follower", "FileNotFoundError", "from_line", "follow"]:
            self.assertIn(needle, text)
        self.assertIn("kind", pydoc.render_doc(atail.Event, renderer=pydoc.plaintext))

    def test_version(self):
        self.assertRegex(atail.__version__, r"^\d+\.\d+\.\d+$")
        self.assertEqual(atail.LIBRARY_VERSION, atail.__version__)


if __name__ == "__main__":
    unittest.main()
