"""Run terraform roots against the local AWS, each under a timeout, state kept out of the tree."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI_CONFIG = ROOT / "build" / "terraform" / "cli.tfrc"
PLUGIN_CACHE = ROOT / "build" / "terraform" / "plugin-cache"
WARM_ROOT = ROOT / "build" / "terraform" / "warm"
PROVIDER = "registry.terraform.io/hashicorp/aws"
# Go's collector at its default (100) was a quarter of the CPU of terraform and the AWS provider
# (each start decodes the provider's schema): 400 trades it for memory (sns-fanout's terraform
# test: 16.2 -> 12.0 CPU-s, peak 334 -> 470 MB). A GOGC of the caller's own wins.
GOGC = "400"
# What the provider prints in its debug mode, for terraform to use it (TF_REATTACH_PROVIDERS).
REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(\{.*\})'")
# Its log subsystems (terraform-plugin-log): in debug mode each logs every request at TRACE to
# stderr unless turned off (66 MB for the modules' terraform tests).
QUIET_PROVIDER = {
    f"TF_LOG_{part}": "OFF"
    for part in ("PROVIDER", "SDK", "SDK_PROTO", "SDK_FRAMEWORK", "SDK_HELPER_SCHEMA", "SDK_MUX")
}


# Hook actions that are not resources being applied (data sources are read while planning).
SILENT = {"noop", "read"}
# Against the local AWS most of an apply is the AWS provider's fixed waits (SQS attributes, S3
# lifecycle): terraform's default of 10 operations at once leaves the rest queued behind sleepers
# (examples/local: 149 s at 10, 92 s at 60).
PARALLELISM = "-parallelism=60"
# Settings of an SQS queue kept as resources of their own. The provider's delete of each waits a
# fixed ~25 s (six identical reads of the queue's attributes, 5 s apart) however soon the queue
# answers; deleting the queue deletes them with it (DeleteQueue).
QUEUE_SETTINGS = {
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_allow_policy",
    "aws_sqs_queue_redrive_policy",
}


class TerraformError(AssertionError):
    pass


def terraform_env(data_dir: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Environment for terraform with the project's CLI config (the provider mirror) and its
    plugin cache, non-interactive, with its working data in `data_dir`. The cache is set here,
    not in the CLI config, which other repos may use (scripts/terraform_cli_config.py)."""
    PLUGIN_CACHE.mkdir(parents=True, exist_ok=True)
    return {
        **base,
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TF_PLUGIN_CACHE_DIR": str(PLUGIN_CACHE),
        # Without it an init with no lock file reinstalls the provider into the cache, and
        # parallel inits (tests, lint) race on it; the mirror is local and trusted.
        "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true",
        "TF_DATA_DIR": str(data_dir),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "GOGC": base.get("GOGC", GOGC),  # inherited by the providers terraform starts
    }


def warm_plugin_cache() -> None:
    """Install the AWS provider into the shared plugin cache with one `terraform init`, so that
    inits run in parallel afterwards only link it: inits installing into an empty cache at the
    same time collide ("mkdir ...: file exists")."""
    WARM_ROOT.mkdir(parents=True, exist_ok=True)
    # make test's runs side by side (scripts/test_suite.py) each warm it: one at a time.
    with (WARM_ROOT / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (WARM_ROOT / "versions.tf").write_text(
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        )
        result = subprocess.run(
            ["terraform", "init", "-backend=false", "-no-color"],
            cwd=WARM_ROOT,
            env=terraform_env(WARM_ROOT / ".terraform"),
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise TerraformError(f"terraform init (plugin cache):\n{result.stdout}{result.stderr}")


def cached_provider() -> Path:
    """The AWS provider's binary that warm_plugin_cache() installed (the version of its lock
    file)."""
    lock = (WARM_ROOT / ".terraform.lock.hcl").read_text()
    version = re.search(rf'provider "{PROVIDER}" {{\s*version\s*=\s*"([^"]+)"', lock)
    found = sorted((PLUGIN_CACHE / PROVIDER / version.group(1)).glob("*/terraform-provider-aws_*"))
    if len(found) != 1:
        raise TerraformError(f"expected one AWS provider binary in {PLUGIN_CACHE}, found {found}")
    return found[0]


@contextlib.contextmanager
def unmanaged_provider(
    base: Mapping[str, str] = os.environ, timeout: float = 60
) -> Iterator[dict[str, str]]:
    """The AWS provider started once, in its debug mode, for many terraform commands: yields the
    environment (TF_REATTACH_PROVIDERS) with which terraform uses it instead of starting its
    own. terraform starts a provider for each graph walk, two per run block of a `terraform
    test`, and each start costs ~0.75 CPU-s: the modules' suites took 122 CPU-s, 62 with this.

    Only for commands that never configure the provider (`terraform validate`, `terraform test`
    with a mock_provider): a provider process holds one configuration, which the roots it
    served would share. Each call starts a provider of its own, so calls may run side by side."""
    warm_plugin_cache()
    binary = cached_provider()
    with tempfile.TemporaryDirectory(prefix="tf-provider-") as tmp:
        log = Path(tmp) / "output"  # read by path: the provider's writes keep their own offset
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(binary), "-debug"],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**base, "GOGC": base.get("GOGC", GOGC), **QUIET_PROVIDER},
            )
        try:
            deadline = time.monotonic() + timeout
            while (printed := REATTACH.search(log.read_text())) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise TerraformError(
                        f"{binary} -debug printed no TF_REATTACH_PROVIDERS within {timeout} s "
                        f"(exit code {process.returncode}):\n{log.read_text()[-3000:]}"
                    )
                time.sleep(0.05)
            yield {"TF_REATTACH_PROVIDERS": printed.group(1)}
        finally:
            process.send_signal(signal.SIGINT)  # it closes its socket (under TMPDIR) and exits
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class TerraformRoot:
    """One root module, applied with its own data dir and state under ``work_dir``."""

    def __init__(self, root: Path, work_dir: Path, env: dict[str, str], variables: dict) -> None:
        if not shutil.which("terraform"):
            raise TerraformError("terraform is not on PATH (see README prerequisites)")
        if not CLI_CONFIG.exists():
            raise TerraformError(f"{CLI_CONFIG} is missing: run 'make bootstrap'")
        self.root = root
        self.work_dir = work_dir
        self.var_file = work_dir / "test.tfvars.json"
        self.state = work_dir / "terraform.tfstate"
        work_dir.mkdir(parents=True, exist_ok=True)
        self.var_file.write_text(json.dumps(variables))
        self.env = terraform_env(work_dir / ".terraform", env)

    def run(self, *args: str, timeout: float = 600, ok_codes=(0,)) -> subprocess.CompletedProcess:
        cmd = ["terraform", f"-chdir={self.root}", *args]
        try:
            result = subprocess.run(
                cmd, env=self.env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            output = "\n".join(_text(stream)[-3000:] for stream in (exc.stdout, exc.stderr))
            raise TerraformError(
                f"terraform {args[0]} timed out after {timeout}s:\n{output}"
            ) from exc
        if result.returncode not in ok_codes:
            raise TerraformError(
                f"terraform {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def init(self) -> None:
        self.run("init", "-no-color", "-backend-config", f"path={self.state}")

    def apply(self, timeout: float = 600, progress=None) -> dict:
        """Apply and return the outputs; `progress(done, total, elapsed_seconds, address)` is
        called as resources complete, from terraform's machine-readable UI (`-json`)."""
        if progress is None:
            self.run(
                "apply",
                "-no-color",
                "-auto-approve",
                PARALLELISM,
                f"-var-file={self.var_file}",
                timeout=timeout,
            )
        else:
            self._apply_streaming(timeout, progress)
        return self.outputs()

    def _apply_streaming(self, timeout: float, progress) -> None:
        cmd = [
            "terraform",
            f"-chdir={self.root}",
            "apply",
            "-json",
            "-auto-approve",
            PARALLELISM,
            f"-var-file={self.var_file}",
        ]
        started = time.monotonic()
        process = subprocess.Popen(
            cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        total, done, errors, other = 0, 0, [], []
        try:
            for line in process.stdout:
                if not line.startswith("{"):
                    other.append(line)  # stderr: a crash or a message outside the JSON UI
                    continue
                event = json.loads(line)
                kind = event.get("type")
                if kind == "change_summary":  # the plan's, before any resource is applied
                    changes = event["changes"]
                    total = changes["add"] + changes["change"] + changes["remove"]
                elif kind == "apply_complete" and event["hook"].get("action") not in SILENT:
                    done += 1
                    address = event["hook"]["resource"]["addr"]
                    progress(done, max(total, done), time.monotonic() - started, address)
                elif kind == "diagnostic" and event["diagnostic"]["severity"] == "error":
                    diagnostic = event["diagnostic"]
                    errors.append(f"{diagnostic['summary']}: {diagnostic.get('detail', '')}")
        finally:
            timer.cancel()
            process.wait()
        if process.returncode != 0:
            reason = "timed out" if process.returncode < 0 else f"exited {process.returncode}"
            detail = "\n".join(errors) + "".join(other)[-4000:]
            raise TerraformError(f"terraform apply {reason}:\n{detail}")

    def plan_changes(self) -> str | None:
        """None when the plan is empty, else the plan text (exit code 2 of -detailed-exitcode)."""
        result = self.run(
            "plan", "-no-color", "-detailed-exitcode", f"-var-file={self.var_file}", ok_codes=(0, 2)
        )
        return None if result.returncode == 0 else result.stdout

    def outputs(self) -> dict:
        """The outputs as the state holds them: what `terraform output -json` prints, read
        without starting terraform (~0.7 CPU-s and 1-3 s before an e2e module's first test)."""
        outputs = self._read_state().get("outputs", {})
        return {name: output["value"] for name, output in outputs.items()}

    def _read_state(self) -> dict:
        """The state file as JSON; empty before the first apply."""
        return json.loads(self.state.read_text()) if self.state.exists() else {}

    def forget_state(self) -> None:
        """Drop the state: for a stack that went away with the local AWS that held it."""
        for path in (self.state, self.state.with_name(self.state.name + ".backup")):
            path.unlink(missing_ok=True)

    def destroy(self, timeout: float = 600, refresh: bool = True) -> None:
        """`refresh=False` deletes what the state lists without reading each resource back
        first: for a state its own apply just wrote (the reads were ~30 % of a destroy's CPU).

        The settings of a queue that the destroy deletes too are dropped from the state first
        and go with their queue: each root's destroy took 37-41 s, 25 s of it those waits."""
        if settings := self.settings_of_own_queues():
            self.run("state", "rm", *settings, timeout=timeout)
        self.run(
            "destroy",
            "-no-color",
            "-auto-approve",
            PARALLELISM,
            *([] if refresh else ["-refresh=false"]),
            f"-var-file={self.var_file}",
            timeout=timeout,
        )

    def settings_of_own_queues(self) -> list[str]:
        """Addresses of the QUEUE_SETTINGS resources whose queue is a resource of this state."""
        resources = [
            resource
            for resource in self._read_state().get("resources", [])
            if resource["mode"] == "managed"
        ]
        own_queues = {
            instance["attributes"]["url"]
            for resource in resources
            if resource["type"] == "aws_sqs_queue"
            for instance in resource["instances"]
        }
        return [
            _address(resource, instance)
            for resource in resources
            if resource["type"] in QUEUE_SETTINGS
            for instance in resource["instances"]
            if instance["attributes"]["queue_url"] in own_queues
        ]


def _address(resource: dict, instance: dict) -> str:
    """A resource instance's address, as `terraform state` commands take it."""
    address = f"{resource['type']}.{resource['name']}"
    if "module" in resource:
        address = f"{resource['module']}.{address}"
    if "index_key" in instance:
        address += f"[{json.dumps(instance['index_key'])}]"
    return address


def _text(stream: bytes | str | None) -> str:
    """TimeoutExpired carries bytes even when the run asked for text."""
    return stream.decode(errors="replace") if isinstance(stream, bytes) else stream or ""
