"""Follow growing files (logs) from asyncio or from plain Python.

atail is the Python binding of libatail: the C library reads the files and
splits their lines; Python gets whole lines as bytes. Each wake-up drains
every line that is ready in one call into C, and waiting costs nothing:
asyncio waits on the library's one descriptor (loop.add_reader), with no
thread and no timer.

    import asyncio, atail

    async def main():
        async with atail.open("app.log") as log:     # from its end, tail -f
            async for line in log:                   # bytes, no delimiter
                print(line.decode(errors="replace"))

    asyncio.run(main())

Without asyncio, the same object blocks instead:

    with atail.open("app.log", lines=10) as log:     # tail -n 10 -f
        for line in log:
            ...

Through log rotation (rename or delete, then create; a truncation is
reported and reading starts again at 0), waiting for a file that does not
exist yet (tail -F):

    async with atail.open("app.log", follow="name", retry=True) as log:
        ...

Several files, and what happens to them (end of the initial content,
truncation, rotation, errors), come as Event objects from events():

    async with atail.open(["a.log", "b.log"], start="begin") as log:
        async for ev in log.events():
            if ev.kind == "line":
                print(ev.path, ev.offset, ev.data)

Copying a log elsewhere as fast as it can be read: with chunks=True,
iteration gives bytes as read (runs of whole lines, delimiters included):

    async with atail.open("app.log", start="begin", chunks=True) as log:
        async for chunk in log:
            sink.write(chunk)

Resuming where the last run stopped, without losing a line (at-least-once),
with a state file and commit() after each line is processed:

    async with atail.open("app.log", state="app.state") as log:
        async for line in log:
            handle(line)
            log.commit()

Files are opened when the follower is entered (`with`, `async with`) or
first iterated, and closed when it is exited, on every path: the end of the
block, an exception, `break`, task cancellation. A follower that is
iterated without `with` is closed when it is garbage collected, or by
close().
"""

from __future__ import annotations

import asyncio
import builtins
import math
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Union

from . import _atail
from ._atail import DEFAULT_MAX_LINE, LINE_CUT, LINE_NO_DELIM, LOST_AT_LEAST, Event

if TYPE_CHECKING:
    from ._atail import Handle

__all__ = [
    "open",
    "glob",
    "Follower",
    "Event",
    "LINE_CUT",
    "LINE_NO_DELIM",
    "LOST_AT_LEAST",
    "DEFAULT_MAX_LINE",
    "LIBRARY_VERSION",
]

#: Version of libatail this module was built with.
LIBRARY_VERSION: str = _atail.LIBRARY_VERSION
__version__ = LIBRARY_VERSION

#: A path, as the os module takes it.
PathArg = Union[str, builtins.bytes, os.PathLike[str], os.PathLike[builtins.bytes]]
#: A file to follow: a path, or an open file descriptor.
Target = Union[PathArg, int]

# One call into C returns at most this much; more is taken by the next call.
_BATCH_EVENTS = 4096
_BATCH_BYTES = 1 << 20

_FOLLOW = {
    "descriptor": _atail.FOLLOW_DESCRIPTOR,
    "name": _atail.FOLLOW_NAME,
    "none": _atail.FOLLOW_NONE,
}
_START = {"end": _atail.START_END, "begin": _atail.START_BEGIN}
_COUNTS = {  # keyword -> (libatail start, smallest value)
    "lines": (_atail.START_LAST_LINES, 0),
    "bytes": (_atail.START_LAST_BYTES, 0),
    "from_line": (_atail.START_LINE, 1),
    "from_byte": (_atail.START_BYTE, 0),
}
_MAX_MS = (1 << 32) - 1

_NEW, _OPEN, _CLOSED = range(3)


def open(
    paths: Target | Iterable[Target],
    *,
    start: Literal["end", "begin"] | None = None,
    lines: int | None = None,
    bytes: int | None = None,
    from_line: int | None = None,
    from_byte: int | None = None,
    follow: Literal["descriptor", "name", "none"] = "descriptor",
    retry: bool = False,
    delimiter: builtins.bytes = b"\n",
    max_line: int = DEFAULT_MAX_LINE,
    state: PathArg | None = None,
    state_interval: float | None = None,
    pid: int | None = None,
    poll: bool = False,
    poll_interval: float | None = None,
    rotate_grace: float | None = None,
    chunks: bool = False,
    close_idle: float | None = None,
) -> Follower:
    """Returns a Follower of one file or of several.

    paths: a path (str, bytes, os.PathLike), an open file descriptor (int,
        e.g. 0 for standard input; it is duplicated, you keep yours), or an
        iterable of them. Events report each file's path as given (after
        os.fspath), or "standard input" / "fd N" for descriptors.

    Where reading starts, in each file (give at most one of these):
        start="end"    only what is appended from now on (the default);
        start="begin"  the whole file;
        lines=N        the last N lines (tail -n N), read backwards;
        bytes=N        the last N bytes (tail -c N);
        from_line=N    from line N, 1-based (tail -n +N);
        from_byte=N    from byte offset N, 0-based (tail -c +N+1).

    follow:
        "descriptor"   keep reading the open file whatever its name becomes
                       (tail -f; the default);
        "name"         follow the name through rotation (tail -F): when it
                       leads to a new file, the old one is read to its end,
                       then the new one from its start (Event kind
                       "rotated"); not for descriptors;
        "none"         read to the current end, then the file ends; when
                       every file has ended, iteration stops.
    retry: with follow="name", wait for a name that is missing or
        unreadable, at the start or later (tail --retry), instead of
        raising FileNotFoundError (or ending the file). Plain iteration
        then skips error events instead of raising them.

    delimiter: the byte that ends a line: b"\\n" (default) or b"\\0".
    max_line: longest line delivered whole; longer lines come in pieces
        (Event.cut is true on all but the last one).

    state: a checkpoint file. After commit(), each file's position is
        saved there (atomically, at most every state_interval seconds, and
        at close); the next follower with the same state resumes each
        file where it was committed, whatever `start` says, also across a
        rotation. Only one follower at a time may use a state file.
    pid: stop when this process has exited, once everything it wrote is
        delivered (see also watch_pid()).
    poll: never use inotify; check the files every poll_interval seconds
        (default 1). Polling is chosen by itself on network filesystems.
    rotate_grace: seconds a rotated file is still read after its name moved
        on, while the new file has no data (default 2).
    close_idle: following by name, close a file unchanged for this many
        seconds (and the least recently changed ones when descriptors run
        out); it stays watched and is reopened when it changes, found again
        by device and inode, also after a rotation. Default: files stay
        open.
    chunks: iterate over bytes as read instead of lines: runs of whole
        lines with their delimiters, a partial last line at once (as tail
        prints it). The fastest way to copy a log elsewhere.

    Options are checked here: ValueError for a bad value, TypeError for a
    wrong type. Files are opened when the follower is entered or first
    iterated: FileNotFoundError for a missing file, IsADirectoryError for
    a directory, another OSError (with errno and filename) for other
    failures.
    """
    targets = _targets(paths)
    follow_opts, handle_opts = _options(locals())
    if follow == "name" and any(isinstance(t, int) for t in targets):
        raise ValueError("a file descriptor has no name to follow: use follow='descriptor'")
    return Follower(targets, follow_opts, handle_opts, pid)


def glob(
    patterns: PathArg | Iterable[PathArg],
    *,
    exclude: Iterable[PathArg] | None = None,
    start: Literal["end", "begin"] | None = None,
    lines: int | None = None,
    bytes: int | None = None,
    from_line: int | None = None,
    from_byte: int | None = None,
    follow: Literal["name", "none"] = "name",
    delimiter: builtins.bytes = b"\n",
    max_line: int = DEFAULT_MAX_LINE,
    state: PathArg | None = None,
    state_interval: float | None = None,
    pid: int | None = None,
    poll: bool = False,
    poll_interval: float | None = None,
    rotate_grace: float | None = None,
    chunks: bool = False,
    close_idle: float | None = None,
) -> Follower:
    """Returns a Follower of every regular file whose name matches a pattern,
    now and whenever one appears later (atail -F '/var/log/app/*.log').

    patterns: a pattern or several, with fnmatch(3) wildcards in the last
        path component only: "/var/log/app/*.log".
    exclude: patterns of names to leave out, e.g. ["*.gz", "*.[0-9]"].
    follow: "name" (the default: follow each file through rotation, and
        pick up files that appear later, read from their start, announced
        by an 'appeared' event) or "none" (only the files there now, to
        their end).

    Files there now are read from `start` (see open(), which documents
    the other options) in name order. Event.path gives each line's file.
    FileNotFoundError when a pattern's directory does not exist.
    """
    if isinstance(patterns, (str, builtins.bytes, os.PathLike)):
        pattern_list = [os.fspath(patterns)]
    elif isinstance(patterns, Iterable):
        pattern_list = [_path_arg("a pattern", p) for p in patterns]
    else:
        raise TypeError(f"patterns must be a path pattern or several, not {type(patterns).__name__}")
    if not pattern_list or not all(pattern_list):
        raise ValueError("no pattern, or an empty one")
    if follow not in ("name", "none"):
        if not isinstance(follow, str):
            raise TypeError(f"follow must be a str, not {type(follow).__name__}")
        raise ValueError(f"a glob follows by 'name' or not at all ('none'), not {follow!r}")
    excludes = [] if exclude is None else _exclude_list(exclude)
    follow_opts, handle_opts = _options(dict(locals(), retry=False))
    globs = [(p, excludes) for p in pattern_list]
    return Follower([], follow_opts, handle_opts, pid, globs)


def _path_arg(what: str, value: object) -> str | builtins.bytes:
    if not isinstance(value, (str, builtins.bytes, os.PathLike)):
        raise TypeError(f"{what} must be str, bytes or os.PathLike, not {type(value).__name__}")
    path: str | builtins.bytes = os.fspath(value)
    return path


def _exclude_list(exclude: object) -> list[str | builtins.bytes]:
    if isinstance(exclude, (str, builtins.bytes, os.PathLike)):
        return [os.fspath(exclude)]
    if not isinstance(exclude, Iterable):
        raise TypeError(f"exclude must be patterns, not {type(exclude).__name__}")
    return [_path_arg("an exclude pattern", e) for e in exclude]


def _options(o: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Checks the options open() and glob() share; returns the follow
    options and the handle options."""
    start_code, count = _start_option(
        o["start"], o["lines"], o["bytes"], o["from_line"], o["from_byte"]
    )
    follow = o["follow"]
    if not isinstance(follow, str):
        raise TypeError(f"follow must be a str, not {type(follow).__name__}")
    if follow not in _FOLLOW:
        raise ValueError(f"follow must be 'descriptor', 'name' or 'none', not {follow!r}")
    retry = o["retry"]
    _check_bool("retry", retry)
    if retry and follow != "name":
        raise ValueError("retry=True needs follow='name'")
    delimiter = o["delimiter"]
    if not isinstance(delimiter, (builtins.bytes, bytearray)):
        raise TypeError(f"delimiter must be bytes, not {type(delimiter).__name__}")
    if len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single byte, not {delimiter!r}")
    max_line = _check_int("max_line", o["max_line"], 1, (1 << 63) - 1)
    _check_bool("poll", o["poll"])
    _check_bool("chunks", o["chunks"])
    handle_opts: dict[str, Any] = {
        "delimiter": delimiter[0],
        "max_line": max_line,
        "poll": o["poll"],
        "spans": o["chunks"],
    }
    for name, least in [("poll_interval", 1), ("rotate_grace", 0), ("state_interval", 0)]:
        if o[name] is not None:
            handle_opts[name + "_ms"] = _milliseconds(name, o[name], least)
    if o["close_idle"] is not None:
        handle_opts["idle_close_ms"] = _milliseconds("close_idle", o["close_idle"], 1)
    if o["state"] is not None:
        handle_opts["state_path"] = _path_arg("state", o["state"])
    if o["pid"] is not None:
        _check_int("pid", o["pid"], 1, (1 << 31) - 1)
    follow_opts = {"start": start_code, "count": count, "follow": _FOLLOW[follow], "retry": retry}
    return follow_opts, handle_opts


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")


def _check_int(name: str, value: object, least: int, most: int = (1 << 64) - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, not {value}")
    if value > most:
        raise ValueError(f"{name} is too large: {value}")
    return value


def _milliseconds(name: str, seconds: object, least_ms: int) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if not seconds >= 0 or math.isinf(seconds):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {seconds}")
    ms = max(least_ms, math.ceil(seconds * 1000))
    if ms > _MAX_MS:
        raise ValueError(f"{name} is too large: {seconds}")
    return ms


def _start_option(
    start: object, lines: object, nbytes: object, from_line: object, from_byte: object
) -> tuple[int, int]:
    given = {
        name: value
        for name, value in (
            ("start", start),
            ("lines", lines),
            ("bytes", nbytes),
            ("from_line", from_line),
            ("from_byte", from_byte),
        )
        if value is not None
    }
    if len(given) > 1:
        names = ", ".join(f"{n}=" for n in given)
        raise ValueError(f"give only one start position, not {names}")
    if not given:
        return _atail.START_END, 0
    ((name, value),) = given.items()
    if name == "start":
        if not isinstance(value, str):
            raise TypeError(f"start must be a str, not {type(value).__name__}")
        if value not in _START:
            raise ValueError(
                f"start must be 'end' or 'begin', not {value!r} "
                "(for the last N lines, give lines=N; see help(atail.open))"
            )
        return _START[value], 0
    code, least = _COUNTS[name]
    return code, _check_int(name, value, least)


def _targets(paths: object) -> list[str | builtins.bytes | int]:
    if isinstance(paths, (str, builtins.bytes, os.PathLike, int)):
        items: Iterable[object] = [paths]
    elif isinstance(paths, Iterable):
        items = paths
    else:
        raise TypeError(
            "paths must be a path (str, bytes, os.PathLike), a file descriptor (int) or an "
            f"iterable of them, not {type(paths).__name__}"
        )
    targets: list[str | builtins.bytes | int] = []
    for item in items:
        if isinstance(item, bool):
            raise TypeError("a path cannot be a bool")
        if isinstance(item, int):
            if item < 0:
                raise ValueError(f"a file descriptor must be >= 0, not {item}")
            targets.append(item)
        elif isinstance(item, (str, builtins.bytes, os.PathLike)):
            path = os.fspath(item)
            if not path:
                raise ValueError("a path cannot be empty")
            targets.append(path)
        else:
            raise TypeError(
                f"a path must be str, bytes, os.PathLike or int, not {type(item).__name__}"
            )
    if not targets:
        raise ValueError("no file to follow")
    return targets


class Follower:
    """Follows files; made by atail.open().

    It is a context manager (`with`, `async with`) and an iterator (`for`,
    `async for`) over lines: bytes without their delimiter. Pieces of a
    line longer than max_line come as separate items, and a last line
    without delimiter (follow="none", a rotated file) comes as it is.
    Other events are skipped, except errors, which raise OSError after the
    lines before them (unless retry=True). Use events() for metadata and
    errors as events, batches() for throughput.

    A follower gives either lines (plain iteration, batches()) or events
    (events()), whichever is asked first; asking for the other then raises
    RuntimeError. One task or thread iterates it at a time.
    """

    __slots__ = (
        "_targets",
        "_globs",
        "_follow_opts",
        "_handle_opts",
        "_pid",
        "_handle",
        "_state",
        "_mode",
        "_ebuf",
        "_epos",
        "_since_yield",
        "_waiter",
        "_waiter_mode",
        "_reader_loop",
        "__weakref__",
    )

    def __init__(
        self,
        targets: list[str | builtins.bytes | int],
        follow_opts: dict[str, Any],
        handle_opts: dict[str, Any],
        pid: int | None = None,
        globs: list[tuple[str | builtins.bytes, list[str | builtins.bytes]]] | None = None,
    ) -> None:
        self._targets = targets
        self._globs = globs or []
        self._follow_opts = follow_opts
        self._handle_opts = handle_opts
        self._pid = pid
        self._handle: Handle | None = None
        self._state = _NEW
        self._mode: str | None = None  # "lines" or "events", set by the first read
        # Events read from C and not yet returned (the handle buffers lines).
        self._ebuf: list[Event] = []
        self._epos = 0
        self._since_yield = 0  # lines read since the last trip through the loop
        # The task waiting for a batch, and what it reads (lines or events).
        self._waiter: asyncio.Future[list[Any] | None] | None = None
        self._waiter_mode = "lines"
        # The loop the handle's descriptor is registered with, if any.
        self._reader_loop: asyncio.AbstractEventLoop | None = None

    # ---- opening and closing ------------------------------------------------

    def _open(self) -> Handle:
        if self._handle is not None:
            return self._handle
        if self._state == _CLOSED:
            raise ValueError("I/O operation on a closed atail follower")
        handle = _atail.Handle(**self._handle_opts)
        try:
            handle.raise_errors = not self._follow_opts["retry"]
            no_retry = {k: v for k, v in self._follow_opts.items() if k != "retry"}
            for target in self._targets:
                if isinstance(target, int):
                    name = "standard input" if target == 0 else f"fd {target}"
                    handle.follow_fd(target, name, **no_retry)
                else:
                    handle.follow(target, **self._follow_opts)
            for pattern, exclude in self._globs:
                handle.follow_glob(pattern, exclude, **no_retry)
            if self._pid is not None:
                handle.watch_pid(self._pid)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        self._state = _OPEN
        return handle

    def close(self) -> None:
        """Closes every file and descriptor of the follower (saving the
        committed positions to the state file, if any). Idempotent.

        A task waiting in `async for` on this follower then stops iterating.
        """
        self._state = _CLOSED
        self._ebuf, self._epos = [], 0
        self._stop_waiting()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    @property
    def closed(self) -> bool:
        """True once the follower was closed."""
        return self._state == _CLOSED

    @property
    def paths(self) -> tuple[str | builtins.bytes | None, ...]:
        """The followed files' names, by file index (once opened)."""
        return self._handle.paths if self._handle is not None else ()

    def fileno(self) -> int:
        """The descriptor that polls readable when the follower may have news
        (opening the follower if needed), for event loops of your own."""
        return self._open().fileno()

    def commit(self) -> None:
        """Declares every line (or event) returned so far processed: with a
        state file, the next follower of the same files resumes just after
        it. Cheap; call it after each line you have handled. Raises OSError
        when a save made now fails (the positions stay recorded, and the
        save is retried). Without a state file, does nothing."""
        self._open().commit()

    def save(self) -> None:
        """Saves the committed positions to the state file now (otherwise
        done at most every state_interval seconds, and at close)."""
        self._open().save()

    def watch_pid(self, pid: int) -> None:
        """Ends iteration once process pid has exited and everything it
        wrote before has been delivered. ProcessLookupError if there is no
        such process."""
        _check_int("pid", pid, 1, (1 << 31) - 1)
        self._open().watch_pid(pid)

    def __enter__(self) -> Follower:
        self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Follower:
        self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = ("new", "open", "closed")[self._state]
        what = self._targets + [f"glob:{p!r}" for p, _ in self._globs]
        return f"<atail.Follower {what!r} {state}>"

    # ---- reading --------------------------------------------------------------

    def _use(self, mode: str) -> Handle:
        """Opens the follower if needed, for lines or for events."""
        if self._mode != mode:
            if self._mode is not None:
                raise RuntimeError(
                    f"this follower already gives {self._mode}; it cannot give {mode} too"
                )
            self._mode = mode
        return self._open()

    def _take(self, mode: str) -> list[Any]:
        """What was read and not yet returned."""
        if mode == "lines":
            return self._handle.take_lines() if self._handle is not None else []
        rest: list[Any] = self._ebuf[self._epos :]
        self._ebuf, self._epos = [], 0
        return rest

    def _next_batch(self, mode: str) -> list[Any] | None:
        """Blocking: the next non-empty batch, or None when every file ended."""
        rest = self._take(mode)
        if rest:
            return rest
        while True:
            handle = self._use(mode)
            batch = handle.read_batch(max_bytes=_BATCH_BYTES, events=mode == "events")
            if batch:
                return batch
            if handle.ended:
                return None
            handle.wait()

    async def _anext_batch(self, mode: str) -> list[Any] | None:
        """The next non-empty batch, or None when every file ended or the
        follower was closed meanwhile."""
        rest = self._take(mode)
        if rest:
            return rest
        if self._since_yield >= _BATCH_EVENTS:
            # Catching up on a backlog: let other tasks run now and then,
            # as they would if this follower had to wait.
            self._since_yield = 0
            await asyncio.sleep(0)
            if self._state == _CLOSED:
                return None
        handle = self._use(mode)
        batch = handle.read_batch(max_bytes=_BATCH_BYTES, events=mode == "events")
        if batch:
            self._since_yield += len(batch)
            return batch
        if handle.ended:
            return None
        return await self._wait_batch(mode)

    async def _wait_batch(self, mode: str) -> list[Any] | None:
        """Waits on the handle's descriptor for the next non-empty batch
        (None when every file ended or the follower was closed meanwhile).

        The descriptor stays registered with the loop from one wait to the
        next, and its callback reads the batch itself, which leaves the
        descriptor quiet again: a line that arrives costs one callback and
        one task step, no add_reader()/remove_reader() pair."""
        if self._waiter is not None:
            raise RuntimeError("another task is already iterating this atail follower")
        loop = asyncio.get_running_loop()
        if self._reader_loop is not loop:
            self._unwatch()
            # By weak reference: the loop must not keep a dropped follower
            # (and its descriptors) alive; __del__ takes the descriptor off.
            loop.add_reader(self._use(mode).fileno(), _call_on_readable, weakref.ref(self))
            self._reader_loop = loop
        waiter = loop.create_future()
        self._waiter, self._waiter_mode = waiter, mode
        try:
            return await waiter
        finally:
            if self._waiter is waiter:
                self._waiter = None

    def _on_readable(self) -> None:
        """The loop's callback: the descriptor polls readable."""
        waiter, handle = self._waiter, self._handle
        if waiter is None or handle is None:
            # Nobody waits (the task does something else meanwhile): stop
            # watching, or the level-triggered descriptor would call back
            # on every loop turn until the task reads. The next wait
            # registers it again.
            self._unwatch()
            return
        if waiter.done():  # woken or cancelled; its task has not run yet
            return
        try:
            batch = handle.read_batch(
                max_bytes=_BATCH_BYTES, events=self._waiter_mode == "events"
            )
        except Exception as e:  # noqa: BLE001 - raised in the waiting task
            waiter.set_exception(e)
            return
        if batch:
            self._since_yield = len(batch)
            waiter.set_result(batch)
        elif handle.ended:
            waiter.set_result(None)
        # else: nothing complete yet (a partial line): keep waiting.

    def _unwatch(self) -> None:
        """Takes the descriptor off the loop it is registered with."""
        loop, self._reader_loop = self._reader_loop, None
        if loop is not None and self._handle is not None and not loop.is_closed():
            loop.remove_reader(self._handle.fileno())

    def __del__(self) -> None:
        # Dropped while its descriptor is registered (iteration ended with
        # a break, no `with`): take it off before the handle closes it.
        if getattr(self, "_reader_loop", None) is not None:
            self._unwatch()

    def _stop_waiting(self) -> None:
        self._unwatch()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---- lines --------------------------------------------------------------
    # Both loops run in C while lines are buffered: `for` gets the handle
    # itself as iterator (it blocks in atail_wait()), `async for` an
    # AsyncLines whose __anext__ calls back _arefill() once per batch.

    def __iter__(self) -> Iterator[builtins.bytes]:
        return self._use("lines")

    def __next__(self) -> builtins.bytes:
        return next(self._use("lines"))

    def __aiter__(self) -> AsyncIterator[builtins.bytes]:
        return self._use("lines").alines(self._arefill)

    def __anext__(self) -> Awaitable[builtins.bytes]:
        return self.__aiter__().__anext__()

    async def _arefill(self) -> builtins.bytes:
        batch = await self._anext_batch("lines")
        if batch is None:
            raise StopAsyncIteration
        handle = self._handle
        assert handle is not None
        return handle.hold(batch)

    def batches(self) -> _Batches:
        """Iterates (`for` or `async for`) over lists of lines: everything
        that is ready at each wake-up, as read in one call into C. The
        fastest way to consume a backlog."""
        self._use("lines")
        return _Batches(self)

    def events(self) -> _Events:
        """Iterates (`for` or `async for`) over Event objects: lines with
        their file and offset, and what happens to the files ('eof',
        'truncated', 'rotated', 'appeared', 'gone', 'error', 'end').
        Errors come as events here; they do not raise."""
        self._use("events")
        return _Events(self)


def _call_on_readable(ref: weakref.ReferenceType[Follower]) -> None:
    follower = ref()
    if follower is not None:
        follower._on_readable()


class _Batches:
    """Lists of lines of a Follower; see Follower.batches()."""

    __slots__ = ("_follower",)

    def __init__(self, follower: Follower) -> None:
        self._follower = follower

    def __iter__(self) -> _Batches:
        return self

    def __next__(self) -> list[builtins.bytes]:
        batch = self._follower._next_batch("lines")
        if batch is None:
            raise StopIteration
        return batch

    def __aiter__(self) -> _Batches:
        return self

    async def __anext__(self) -> list[builtins.bytes]:
        batch = await self._follower._anext_batch("lines")
        if batch is None:
            raise StopAsyncIteration
        return batch


class _Events:
    """Events of a Follower; see Follower.events()."""

    __slots__ = ("_follower",)

    def __init__(self, follower: Follower) -> None:
        self._follower = follower

    def __iter__(self) -> _Events:
        return self

    def __next__(self) -> Event:
        f = self._follower
        pos = f._epos
        if pos < len(f._ebuf):
            f._epos = pos + 1
            return f._ebuf[pos]
        batch = f._next_batch("events")
        if batch is None:
            raise StopIteration
        f._ebuf, f._epos = batch, 1
        return f._ebuf[0]

    def __aiter__(self) -> _Events:
        return self

    async def __anext__(self) -> Event:
        f = self._follower
        pos = f._epos
        if pos < len(f._ebuf):
            f._epos = pos + 1
            return f._ebuf[pos]
        batch = await f._anext_batch("events")
        if batch is None:
            raise StopAsyncIteration
        f._ebuf, f._epos = batch, 1
        return f._ebuf[0]
