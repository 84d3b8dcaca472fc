"""A docker-free Lambda runtime for moto: runs the deployed zip and layers in warm subprocesses.

moto runs functions in docker, which these machines lack. This runtime extracts the function's
zip and layers (cached by hash), maps the layers as Lambda's /opt would be (``python/`` on
``sys.path``, ``bin/`` on ``PATH``), and runs the handler in a worker process with the function's
interpreter, environment, handler string and timeout. boto3 inside the function reaches the local
server through ``AWS_ENDPOINT_URL``, so handler code has no test-only branches.

Sandboxes are kept warm for reuse and retired after ``idle_seconds`` without an invocation, as
Lambda shuts down idle execution environments. At most ``max_workers`` run per function: this
machine's limit, not AWS's (an account runs 1,000 at once), so an invocation past it waits for a
free sandbox instead of failing. A reserved concurrency (PutFunctionConcurrency) is AWS's limit
and is enforced as Lambda does: an invocation past it is throttled (``Throttled``).
"""

from __future__ import annotations

import functools
import glob
import hashlib
import io
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
TIMEOUT_ERROR = "Sandbox.Timedout"
INIT_TIMEOUT = 30.0  # Lambda allows 10 s of init; shared CI machines are slower
# Lambda does not document how long an idle environment lives (minutes in practice); two
# minutes keeps a demo or a test module warm and frees the memory soon after a load run.
IDLE_SECONDS = 120.0
# Sandboxes per function: each is a Python process (~50 MB with boto3), and two cores gain
# nothing from more parallel ones; a Map or a burst past it queues instead.
MAX_WORKERS = 4


class RuntimeInitFailed(Exception):
    """The worker process died or hung before its init phase ended."""


class RuntimeNotAvailable(Exception):
    """The interpreter for a function's runtime is not installed on this machine."""


class Throttled(Exception):
    """Every unit of the function's reserved concurrency is in use: Lambda refuses the invocation
    (TooManyRequestsException, reason ReservedFunctionConcurrentInvocationLimitExceeded)."""


def find_interpreter(runtime: str) -> str:
    """Path of the python for a Lambda runtime such as ``python3.12``."""
    if not runtime or not runtime.startswith("python3."):
        raise RuntimeNotAvailable(f"runtime {runtime!r} is not supported by the local Lambda")
    version = runtime.removeprefix("python")
    pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/{runtime}")))
    on_path = shutil.which(runtime)
    # A pyenv shim needs pyenv itself on PATH, which the function's environment does not have.
    for candidate in [p for p in [on_path] if p and "/shims/" not in p] + pyenv[::-1]:
        return candidate
    raise RuntimeNotAvailable(
        f"{runtime} is needed to run this function locally: install it (apt or pyenv) or deploy"
        f" the function with a runtime whose interpreter is on PATH"
    )


# Each sandbox's temporary directory (TMPDIR, HOME) holds the function's EphemeralStorage size,
# as Lambda's /tmp does: a write past it fails with ENOSPC "No space left on device". Where the
# server may mount (root, as here and in CI), the worker starts in a private mount namespace
# (unshare(1), util-linux) that mounts a tmpfs of that size on the directory: no other process
# sees the mount, and the kernel drops it with the namespace when the worker's last process
# exits, so a killed worker or server leaves nothing mounted. A tmpfs holds its files in memory
# (and swap), which on Lambda they are not. Without the right to mount, the worker gets
# RLIMIT_FSIZE of that size instead: a single file can grow to it (EFBIG "File too large"), the
# directory as a whole cannot be limited.
MOUNT_TMPDIR = '"$1" -t tmpfs -o "size=$2m,mode=0700" localaws-tmp "$3" && shift 3 && exec "$@"'


@functools.cache
def can_mount_tmpfs() -> bool:
    """Whether workers can get a size-limited tmpfs in a mount namespace of their own."""
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("mount")):
        return False
    with tempfile.TemporaryDirectory(prefix="localaws-probe-") as probe:
        command = ["unshare", "--mount", "--", "mount", "-t", "tmpfs", "-o", "size=1m"]
        return subprocess.run([*command, "tmpfs", probe], capture_output=True).returncode == 0


def ephemeral_storage_mb(fn) -> int:
    return int(getattr(fn, "ephemeral_storage", None) or 512)  # Lambda's default /tmp: 512 MB


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` invocations fail without running the handler."""

    error_type: str
    message: str
    remaining: int
    timeout: bool = False


class FaultInjector:
    """Makes the first N invocations of a named function fail, to exercise Retry/redelivery."""

    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()

    def add(self, function_name: str, fault: Fault) -> None:
        with self._lock:
            self._faults.setdefault(function_name, []).append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, function_name: str) -> Fault | None:
        with self._lock:
            pending = self._faults.get(function_name, [])
            while pending and pending[0].remaining <= 0:
                pending.pop(0)
            if not pending:
                return None
            pending[0].remaining -= 1
            return pending[0]


@dataclass
class Invocation:
    """What tests and benchmarks read back about one invocation."""

    function_name: str
    request_id: str
    started: float
    duration_ms: float = 0.0
    cold: bool = False
    error_type: str | None = None
    injected: bool = False


@dataclass
class Result:
    payload: str
    error_type: str | None
    logs: str


@dataclass
class Worker:
    key: tuple
    process: subprocess.Popen
    replies: io.TextIOWrapper
    tmp_dir: Path
    idle_since: float = field(default=0.0)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.replies.close()
        if self.process.stdin:
            self.process.stdin.close()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


def reserved_concurrency(fn) -> int | None:
    value = getattr(fn, "reserved_concurrency", None)  # moto keeps PutFunctionConcurrency's value
    return None if value is None else int(value)


def _extract(zip_bytes: bytes, target: Path) -> None:
    """Unpack a zip keeping the executable bits, which zipfile drops."""
    partial = target.with_name(target.name + f".partial-{uuid.uuid4().hex}")
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for info in archive.infolist():
            path = archive.extract(info, partial)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(path, mode)
    try:
        partial.rename(target)
    except OSError:  # another thread extracted the same content first
        shutil.rmtree(partial, ignore_errors=True)


class LocalLambdaRuntime:
    """Runs functions of moto's Lambda backend in reusable worker processes."""

    def __init__(
        self,
        state_dir: Path,
        endpoint: str,
        sdk_dir: Path | None,
        max_workers: int = MAX_WORKERS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.sdk_dir = sdk_dir
        self.max_workers = max_workers
        self.idle_seconds = idle_seconds
        self.faults = FaultInjector()
        self.invocations: list[Invocation] = []
        self._idle: dict[tuple, list[Worker]] = {}
        self._busy: dict[str, int] = {}  # function ARN -> sandboxes running an invocation
        self._current: dict[str, tuple] = {}  # function ARN -> key of its latest configuration
        self._throttles: dict[str, int] = {}  # function ARN -> invocations refused
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._extract_lock = threading.Lock()
        self._counter = itertools.count()
        self._stopping = threading.Event()
        threading.Thread(target=self._retire_idle, name="lambda-idle", daemon=True).start()

    # --- sandbox preparation -------------------------------------------------------------
    def _cached_tree(self, kind: str, digest: str, fill) -> Path:
        target = self.state_dir / kind / digest
        with self._extract_lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                fill(target)
        return target

    def _code_dir(self, fn) -> Path:
        digest = hashlib.sha256(fn.code_bytes).hexdigest()
        return self._cached_tree("code", digest, lambda t: _extract(fn.code_bytes, t))

    def _opt_dir(self, fn, layer_zips: list[bytes]) -> Path:
        """Layers extracted in order into one directory, later layers overriding earlier ones."""
        digest = hashlib.sha256(
            b"".join(hashlib.sha256(z).digest() for z in layer_zips)
        ).hexdigest()

        def fill(target: Path) -> None:
            staging = target.with_name(target.name + ".staging")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            for layer_zip in layer_zips:
                layer_dir = staging / "layer"
                _extract(layer_zip, layer_dir)
                shutil.copytree(layer_dir, staging / "opt", dirs_exist_ok=True, symlinks=True)
                shutil.rmtree(layer_dir)
            (staging / "opt").mkdir(exist_ok=True)
            (staging / "opt").rename(target)
            shutil.rmtree(staging)

        return self._cached_tree("opt", digest, fill)

    def _environment(self, fn, code_dir: Path, opt_dir: Path, tmp_dir: Path) -> dict[str, str]:
        version = fn.run_time.removeprefix("python")
        python_path = [
            str(code_dir),
            str(opt_dir / "python" / "lib" / f"python{version}" / "site-packages"),
            str(opt_dir / "python"),
        ]
        if self.sdk_dir:
            python_path.append(str(self.sdk_dir))  # Lambda's runtime-provided boto3
        env = {k: str(v) for k, v in fn.environment_vars.items()}
        # Reserved variables come last: as on AWS, a function cannot override them.
        env.update(
            {
                "PATH": f"{opt_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "TMPDIR": str(tmp_dir),
                "HOME": str(tmp_dir),
                "PYTHONPATH": ":".join(python_path),
                "PYTHONPYCACHEPREFIX": str(self.state_dir / "pycache"),
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
                "_HANDLER": fn.handler,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
                "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                "LOCALAWS_FUNCTION_ARN": fn.function_arn,
                "AWS_REGION": fn.region,
                "AWS_DEFAULT_REGION": fn.region,
                **self._credentials(fn),
                "AWS_ENDPOINT_URL": self.endpoint,
            }
        )
        return env

    @staticmethod
    def _credentials(fn) -> dict[str, str]:
        """A session of the execution role named after the function, as Lambda hands its code."""
        from . import authorization

        keys = {
            "AccessKeyId": "localaws",
            "SecretAccessKey": "localaws",
            "SessionToken": "localaws",
        }
        if authorization.AUTHORIZER is not None:
            keys = authorization.AUTHORIZER.session_credentials(fn.role, fn.function_name)
        return {
            "AWS_ACCESS_KEY_ID": keys["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
            "AWS_SESSION_TOKEN": keys["SessionToken"],
        }

    def _worker_key(self, fn, layer_zips: list[bytes]) -> tuple:
        config = json.dumps(
            [
                fn.handler,
                fn.run_time,
                fn.environment_vars,
                fn.memory_size,
                ephemeral_storage_mb(fn),
                str(fn.version),
                fn.role,
            ],
            sort_keys=True,
        )
        layers = tuple(hashlib.sha256(z).hexdigest() for z in layer_zips)
        return (fn.function_arn, hashlib.sha256(fn.code_bytes).hexdigest(), layers, config)

    def _spawn(self, fn, key: tuple, layer_zips: list[bytes]) -> Worker:
        code_dir = self._code_dir(fn)
        opt_dir = self._opt_dir(fn, layer_zips)
        tmp_dir = self.state_dir / "tmp" / f"{fn.function_name}-{next(self._counter)}"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        command = [find_interpreter(fn.run_time), "-s", "-S", str(BOOTSTRAP)]
        size_mb = ephemeral_storage_mb(fn)
        limits = {}
        if can_mount_tmpfs():  # absolute paths: the function's PATH starts with its layers' bin/
            unshare, mount = shutil.which("unshare"), shutil.which("mount")
            sandbox = [unshare, "--mount", "--", "/bin/sh", "-c", MOUNT_TMPDIR, "sandbox", mount]
            command = [*sandbox, str(size_mb), str(tmp_dir), *command]
        else:
            limits = {"LOCALAWS_FILE_SIZE_LIMIT": str(size_mb * 1024 * 1024)}
        read_fd, write_fd = os.pipe()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=code_dir,
            env={
                **self._environment(fn, code_dir, opt_dir, tmp_dir),
                **limits,
                "LOCALAWS_REPLY_FD": str(write_fd),
            },
            pass_fds=(write_fd,),
            start_new_session=True,
            text=True,
        )
        os.close(write_fd)
        worker = Worker(key, process, os.fdopen(read_fd, "r"), tmp_dir)
        ready, _, _ = select.select([worker.replies], [], [], INIT_TIMEOUT)
        if not ready or not worker.replies.readline():
            worker.close()
            raise RuntimeInitFailed(f"{fn.function_name}: the runtime did not start")
        return worker

    def _acquire(self, fn, layer_zips: list[bytes]) -> tuple[Worker, bool]:
        key = self._worker_key(fn, layer_zips)
        arn = key[0]
        reserved = reserved_concurrency(fn)
        with self._freed:
            self._current[arn] = key
            stale = [k for k in self._idle if k[0] == arn and k != key]
            for k in stale:  # the function was updated: its old sandboxes are gone
                for worker in self._idle.pop(k):
                    worker.close()
            if reserved is not None and self._busy.get(arn, 0) >= reserved:
                self._throttles[arn] = self._throttles.get(arn, 0) + 1
                raise Throttled(f"{fn.function_name}: reserved concurrency {reserved} in use")
            while self._busy.get(arn, 0) >= self.max_workers:
                self._freed.wait()
            self._busy[arn] = self._busy.get(arn, 0) + 1
            pool = self._idle.get(key, [])
            while pool:
                worker = pool.pop()
                if worker.process.poll() is None:
                    return worker, False
                worker.close()
        try:
            return self._spawn(fn, key, layer_zips), True
        except BaseException:
            self._release_slot(arn)
            raise

    def _release(self, worker: Worker, reusable: bool) -> None:
        """Back to the idle pool if it may serve again (same configuration, still healthy)."""
        with self._freed:
            reusable = reusable and worker.key == self._current.get(worker.key[0])
            if reusable:
                worker.idle_since = time.monotonic()
                self._idle.setdefault(worker.key, []).append(worker)
            self._busy[worker.key[0]] -= 1
            self._freed.notify_all()
        if not reusable:
            worker.close()

    def _release_slot(self, arn: str) -> None:
        with self._freed:
            self._busy[arn] -= 1
            self._freed.notify_all()

    def _retire_idle(self) -> None:
        """Ends sandboxes idle for longer than idle_seconds (checked at least every second)."""
        while not self._stopping.wait(min(1.0, max(0.05, self.idle_seconds / 4))):
            cutoff = time.monotonic() - self.idle_seconds
            with self._lock:
                expired = [w for pool in self._idle.values() for w in pool if w.idle_since < cutoff]
                for key, pool in list(self._idle.items()):
                    kept = [w for w in pool if w.idle_since >= cutoff]
                    if kept:
                        self._idle[key] = kept
                    else:
                        del self._idle[key]
            for worker in expired:
                worker.close()

    def workers(self) -> dict:
        """The sandboxes by function name: running an invocation, idle (and their process ids),
        and the invocations throttled."""
        with self._lock:
            functions: dict[str, dict] = {}

            def entry(arn: str) -> dict:
                return functions.setdefault(
                    arn.split(":")[6], {"busy": 0, "idle": 0, "idle_pids": [], "throttles": 0}
                )

            for arn, busy in self._busy.items():
                if busy:
                    entry(arn)["busy"] = busy
            for arn, throttles in self._throttles.items():
                entry(arn)["throttles"] = throttles
            for key, pool in self._idle.items():
                entry(key[0])["idle"] += len(pool)
                entry(key[0])["idle_pids"] += [w.process.pid for w in pool]
        return {
            "max_per_function": self.max_workers,
            "idle_seconds": self.idle_seconds,
            "total": sum(f["busy"] + f["idle"] for f in functions.values()),
            "functions": functions,
        }

    def configure(self, max_workers: int | None = None, idle_seconds: float | None = None) -> None:
        with self._freed:
            if max_workers is not None:
                self.max_workers = max_workers
            if idle_seconds is not None:
                self.idle_seconds = idle_seconds
            self._freed.notify_all()  # a higher cap lets waiting invocations start

    def shutdown(self) -> None:
        self._stopping.set()
        with self._lock:
            for pool in self._idle.values():
                for worker in pool:
                    worker.close()
            self._idle.clear()

    # --- invocation ------------------------------------------------------------------------
    def invoke(self, fn, event: str, layer_zips: list[bytes]) -> Result:
        request_id = str(uuid.uuid4())
        record = Invocation(fn.function_name, request_id, time.time())
        self.invocations.append(record)
        fault = self.faults.take(fn.function_name)
        if fault:
            record.injected = True
            result = self._injected(fault, fn, request_id)
        else:
            try:
                result = self._run(fn, event, layer_zips, request_id, record)
            except Throttled:
                self.invocations.remove(record)  # Lambda counts throttles apart from invocations
                raise
            except (RuntimeNotAvailable, RuntimeInitFailed) as exc:
                error_type = "Runtime.InvalidRuntime"
                if isinstance(exc, RuntimeInitFailed):
                    error_type = "Runtime.ExitError"
                payload = json.dumps({"errorType": error_type, "errorMessage": str(exc)})
                result = Result(payload, error_type, f"{exc}\n")
        record.duration_ms = (time.time() - record.started) * 1000
        record.error_type = result.error_type
        report = f"REPORT RequestId: {request_id}\tDuration: {record.duration_ms:.2f} ms"
        return Result(result.payload, result.error_type, f"{result.logs}{report}\n")

    @staticmethod
    def _injected(fault: Fault, fn, request_id: str) -> Result:
        if fault.timeout:
            error_type, message = TIMEOUT_ERROR, f"Task timed out after {fn.timeout:.2f} seconds"
        else:
            error_type, message = fault.error_type, fault.message
        payload = json.dumps({"errorType": error_type, "errorMessage": message})
        return Result(payload, error_type, f"injected fault for {request_id}: {payload}\n")

    def _run(self, fn, event: str, layer_zips, request_id: str, record: Invocation) -> Result:
        worker, record.cold = self._acquire(fn, layer_zips)
        log_path = worker.tmp_dir.parent / f"{worker.tmp_dir.name}.log"
        deadline = time.time() + float(fn.timeout)
        request = {
            "event": event,
            "request_id": request_id,
            "deadline_ms": int(deadline * 1000),
            "log_path": str(log_path),
        }
        try:
            worker.process.stdin.write(json.dumps(request) + "\n")
            worker.process.stdin.flush()
            ready, _, _ = select.select([worker.replies], [], [], max(0.0, deadline - time.time()))
            line = worker.replies.readline() if ready else ""
        except (BrokenPipeError, OSError):
            line = ""
        logs = log_path.read_text(errors="replace") if log_path.exists() else ""
        if line:
            reply = json.loads(line)
            self._release(worker, reusable=True)
            error_type = None if reply["ok"] else json.loads(reply["payload"])["errorType"]
            return Result(reply["payload"], error_type, logs)
        timed_out = worker.process.poll() is None
        self._release(worker, reusable=False)
        if timed_out:
            error_type, message = TIMEOUT_ERROR, f"Task timed out after {fn.timeout:.2f} seconds"
        else:
            error_type = "Runtime.ExitError"
            message = f"RequestId: {request_id} Error: Runtime exited with error: exit status"
            message += f" {worker.process.returncode}"
        payload = json.dumps({"errorType": error_type, "errorMessage": message})
        return Result(payload, error_type, logs + message + "\n")
