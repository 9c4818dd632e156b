"""Builds atail._atail, the binding's C extension, for pip (pyproject.toml).

What the extension is linked with, chosen by the environment variable
ATAIL_LIBATAIL:
- "source": the library's sources of this checkout (../../src) are compiled
  into the extension with hidden symbols, as CMake's build does: the
  extension needs no libatail at run time.
- "pkg-config": the installed libatail (libatail-dev, or `make install`),
  found by `pkg-config libatail`: the extension links libatail.so.0, which
  must stay installed (libatail0).
- unset or "auto": "source" when this directory is inside the atail
  checkout, else "pkg-config".
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
BINDING_SOURCES = ["module.c", "handle.c", "event.c", "alines.c"]


def die(message):
    sys.exit(f"atail setup.py: {message}")


def checkout_version():
    cmake = TOP / "CMakeLists.txt"
    if not (TOP / "src").is_dir() or not cmake.is_file():
        return None
    found = re.search(r"project\(atail\s+VERSION\s+([0-9.]+)", cmake.read_text())
    return found.group(1) if found else None


def pkg_config(*args):
    command = [os.environ.get("PKG_CONFIG", "pkg-config"), *args, "libatail"]
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        die(f"`{' '.join(command)}` failed ({e}); install libatail-dev, or build "
            "from the atail checkout (ATAIL_LIBATAIL=source)")
    return shlex.split(out)


def from_source():
    sources = BINDING_SOURCES + sorted(str(p) for p in (TOP / "src").glob("*.c"))
    return "source", checkout_version(), {
        "sources": sources,
        "include_dirs": [str(TOP / "include"), str(TOP / "src")],
        "define_macros": [("_GNU_SOURCE", None), ("ATAIL_STATIC_BUILD", None)],
    }


def from_pkg_config():
    flags = pkg_config("--cflags") + pkg_config("--libs")
    version = pkg_config("--modversion")[0]
    return "pkg-config", version, {
        "sources": BINDING_SOURCES,
        "include_dirs": [f[2:] for f in flags if f.startswith("-I")],
        "library_dirs": [f[2:] for f in flags if f.startswith("-L")],
        "libraries": [f[2:] for f in flags if f.startswith("-l")],
        "define_macros": [("_GNU_SOURCE", None)],
    }


def choose():
    mode = os.environ.get("ATAIL_LIBATAIL", "auto")
    if mode == "source" or (mode == "auto" and checkout_version()):
        if not checkout_version():
            die(f"ATAIL_LIBATAIL=source but {TOP} is not an atail checkout")
        return from_source()
    if mode in ("pkg-config", "auto"):
        return from_pkg_config()
    die(f"ATAIL_LIBATAIL={mode}: expected source, pkg-config or auto")


mode, version, build = choose()
print(f"atail setup.py: libatail from {mode}, version {version}", file=sys.stderr)
setup(
    version=version,
    # Always compiled again: a build directory left by the other mode (or
    # another libatail) would otherwise be reused as it is.
    options={"build_ext": {"force": True}},
    ext_modules=[
        Extension(
            "atail._atail",
            extra_compile_args=["-std=c11", "-fvisibility=hidden"],
            **build,
        )
    ],
)
