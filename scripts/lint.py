"""Static checks, one place for `make lint` and the test suite: ruff (lint and format), terraform
fmt, and terraform validate of every module, example and test root.

Each Terraform directory is initialised without a backend in its own data directory under
build/terraform/validate/, from the provider mirror the CLI config names (`make bootstrap`).

    python scripts/lint.py            # all checks; exit 1 listing what failed
    python scripts/lint.py --validate terraform/modules/s3-bucket/main.tf ...
                                      # terraform validate of the directories of these files only
                                      # (the pre-commit hook: .pre-commit-config.yaml)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tfroot import CLI_CONFIG, terraform_env, unmanaged_provider

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
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


def validate(directories: list[Path]) -> list[str]:
    """terraform validate of each directory, four at a time, sharing one provider process (a
    validate never configures it)."""

    if not directories:  # no provider to start (a commit that touches no Terraform root)
        return []

    def one(directory: Path) -> str | None:
        data_dir = DATA_DIRS / str(directory.relative_to(ROOT)).replace(os.sep, "--")
        env = terraform_env(data_dir) | provider
        chdir = f"-chdir={directory}"
        return run(
            ["terraform", chdir, "init", "-backend=false", "-input=false", "-no-color"], env
        ) or run(["terraform", chdir, "validate", "-no-color"], env)

    with (
        unmanaged_provider() as provider,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):
        return [problem for problem in pool.map(one, directories) if problem]


def missing_cli_config() -> list[str]:
    return [] if CLI_CONFIG.exists() else [f"{CLI_CONFIG} is missing: run 'make bootstrap'"]


def problems(validate_all: bool = True) -> list[str]:
    """What fails; `validate_all=False` leaves out terraform validate (for the test suite, whose
    terraform test and policy lint plan every directory, which validates it)."""
    if missing_cli_config():
        return missing_cli_config()
    found = [
        run([str(VENV_BIN / "ruff"), "check", "--no-cache", "."]),
        run([str(VENV_BIN / "ruff"), "format", "--check", "--no-cache", "."]),
        run(["terraform", "fmt", "-check", "-recursive", "-diff", "terraform", "tests"]),
    ]
    found = [problem for problem in found if problem]
    return found + validate(terraform_dirs()) if validate_all else found


def validate_only(files: list[str]) -> list[str]:
    """terraform validate of the Terraform directories holding these files (a test file in a
    module's tests/ validates the module)."""
    if missing_cli_config():
        return missing_cli_config()
    dirs = set(terraform_dirs())
    chosen = set()
    for file in files:
        path = (ROOT / file).resolve()
        chosen |= {parent for parent in path.parents[:2] if parent in dirs}
    return validate(sorted(chosen))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--validate", nargs="+", metavar="FILE", help="only validate the directories of FILE"
    )
    args = parser.parse_args(argv)
    found = validate_only(args.validate) if args.validate else problems()
    for problem in found:
        print(problem, end="\n\n", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
