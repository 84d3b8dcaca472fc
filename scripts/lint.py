"""Static checks, one place for `make lint` and the test suite: ruff (lint and format), terraform
fmt, and terraform validate of every module, example and test root.

Each Terraform directory is initialised without a backend in its own data directory under
build/terraform/validate/, from the provider mirror the CLI config names (`make bootstrap`).

    python scripts/lint.py            # all checks; exit 1 listing what failed
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CLI_CONFIG = ROOT / "build" / "terraform" / "cli.tfrc"
DATA_DIRS = ROOT / "build" / "terraform" / "validate"


def terraform_dirs() -> list[Path]:
    """Every directory holding .tf files under terraform/ and tests/terraform/."""
    dirs = {
        path.parent
        for base in (ROOT / "terraform", ROOT / "tests" / "terraform")
        for path in base.rglob("*.tf")
        if ".terraform" not in path.parts
    }
    return sorted(dirs)


def run(cmd: list[str], env: dict | None = None) -> str | None:
    """None when the command succeeds, else its output."""
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode == 0:
        return None
    return f"$ {' '.join(cmd)}\n{result.stdout}{result.stderr}".strip()


def validate(directory: Path) -> str | None:
    name = str(directory.relative_to(ROOT)).replace(os.sep, "--")
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TF_DATA_DIR": str(DATA_DIRS / name),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    chdir = f"-chdir={directory}"
    return run(
        ["terraform", chdir, "init", "-backend=false", "-input=false", "-no-color"], env
    ) or run(["terraform", chdir, "validate", "-no-color"], env)


def problems() -> list[str]:
    if not CLI_CONFIG.exists():
        return [f"{CLI_CONFIG} is missing: run 'make bootstrap'"]
    found = [
        run([str(VENV_BIN / "ruff"), "check", "--no-cache", "."]),
        run([str(VENV_BIN / "ruff"), "format", "--check", "--no-cache", "."]),
        run(["terraform", "fmt", "-check", "-recursive", "-diff", "terraform", "tests"]),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found += pool.map(validate, terraform_dirs())
    return [problem for problem in found if problem]


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, end="\n\n", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
