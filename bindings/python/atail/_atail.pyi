"""Type stub of atail._atail, the C extension under the atail package."""

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Final, Literal, final

START_END: Final[int]
START_BEGIN: Final[int]
START_LAST_LINES: Final[int]
START_LAST_BYTES: Final[int]
START_LINE: Final[int]
START_BYTE: Final[int]
FOLLOW_NONE: Final[int]
FOLLOW_DESCRIPTOR: Final[int]
FOLLOW_NAME: Final[int]
LINE_CUT: Final[int]
LINE_NO_DELIM: Final[int]
LOST_AT_LEAST: Final[int]
DEFAULT_MAX_LINE: Final[int]
DEFAULT_READ_SIZE: Final[int]
DEFAULT_POLL_INTERVAL_MS: Final[int]
DEFAULT_ROTATE_GRACE_MS: Final[int]
DEFAULT_STATE_INTERVAL_MS: Final[int]
LIBRARY_VERSION: Final[str]

_Path = str | bytes | os.PathLike[str] | os.PathLike[bytes]
EventKind = Literal[
    "line",
    "data",
    "eof",
    "truncated",
    "error",
    "end",
    "rotated",
    "appeared",
    "gone",
    "lost",
    "polling",
    "unknown",
]

@final
class Event:
    """One event of a follower; an immutable copy."""

    @property
    def kind(self) -> EventKind: ...
    @property
    def path(self) -> str | bytes | None: ...
    @property
    def file(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def data(self) -> bytes | None: ...
    @property
    def flags(self) -> int: ...
    @property
    def error(self) -> int: ...
    @property
    def cut(self) -> bool: ...
    @property
    def no_delim(self) -> bool: ...
    @property
    def size(self) -> int: ...
    @property
    def lost_range(self) -> tuple[int, int] | None: ...
    @property
    def at_least(self) -> bool: ...

@final
class AsyncLines:
    """Lines of a Handle, for async for."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...
    def __anext__(self) -> Awaitable[bytes]: ...

@final
class Handle:
    """One libatail handle (low level; see atail.open())."""

    raise_errors: bool
    def __new__(
        cls,
        delimiter: int = 10,
        max_line: int = ...,
        read_size: int = ...,
        *,
        poll: bool = False,
        poll_interval_ms: int = ...,
        rotate_grace_ms: int = ...,
        state_path: _Path | None = None,
        state_interval_ms: int = ...,
        spans: bool = False,
        idle_close_ms: int = 0,
    ) -> Handle: ...
    def follow(
        self,
        path: _Path,
        *,
        start: int = ...,
        count: int = ...,
        follow: int = ...,
        retry: bool = False,
    ) -> int: ...
    def follow_fd(
        self, fd: int, name: str, *, start: int = ..., count: int = ..., follow: int = ...
    ) -> int: ...
    def follow_glob(
        self,
        pattern: _Path,
        exclude: Sequence[_Path] | None = None,
        *,
        start: int = ...,
        count: int = ...,
        follow: int = ...,
        retry: bool = False,
    ) -> int: ...
    def fileno(self) -> int: ...
    def read_batch(
        self, max_events: int = ..., max_bytes: int = 1048576, *, events: bool = False
    ) -> list[Any]: ...
    def hold(self, batch: list[bytes]) -> bytes: ...
    def take_lines(self) -> list[bytes]: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def alines(self, refill: Callable[[], Awaitable[bytes]]) -> AsyncLines: ...
    def commit(self) -> None: ...
    def save(self) -> None: ...
    def watch_pid(self, pid: int) -> None: ...
    def close(self) -> None: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __next__(self) -> bytes: ...
    @property
    def closed(self) -> bool: ...
    @property
    def ended(self) -> bool: ...
    @property
    def paths(self) -> tuple[str | bytes | None, ...]: ...
