"""Glue on moto: job runs that run their script, crawlers that catalog what they crawl.

moto keeps Glue jobs, crawlers and the Data Catalog but runs nothing: a job run's state advances on
reads and a crawler never leaves RUNNING. Here:

- StartJobRun runs the job's script (downloaded from the local S3) on a local PySpark driver,
  reporting RUNNING, then SUCCEEDED, FAILED (with the exception as ErrorMessage) or TIMEOUT.
  Drivers (glue_driver.py) stay warm between runs, as Glue's own warm pools do: starting Spark's
  JVM is most of a small job's time; each run still gets a new SparkSession. CreateJob starts
  one (up to the pool's size), so that Spark starts while the rest of a deployment is applied
  rather than in the first run. The job's S3 I/O
  goes through a mirror: every `s3://` job argument (except Glue's own, such as --TempDir) is
  copied to a local directory before the run and given to the script as a `file://` path; after
  the run, files it created, changed or deleted there are uploaded to or deleted from the local
  S3. A script that reads its paths from its arguments thus runs unchanged on AWS Glue and here
  (Spark has no S3 connector without the hadoop-aws jars).
- StartCrawler infers the schema of the Parquet files under each S3 target (pyarrow) and creates
  or updates one catalog table per target, with Hive-style partition keys and partitions; the
  crawler goes RUNNING -> STOPPING -> READY over a few seconds, as Step Functions polls it.
- `glue:startJobRun.sync` works in Step Functions, and GetJob no longer reports an ExecutionClass
  that was never set (Terraform saw drift on every plan).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import fnmatch
import hashlib
import io
import json
import logging
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import authorization, cloudwatch
from .moto_internals import replace

log = logging.getLogger("localaws.glue")

TERMINAL_RUN_STATES = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"}
# Glue's own arguments whose S3 values are not data the script reads or writes.
NOT_MIRRORED = {
    "--extra-py-files",
    "--extra-jars",
    "--extra-files",
    "--TempDir",
    "--spark-event-logs-path",
    "--scriptLocation",
}
SPARK_COMMANDS = {"glueetl", "pythonshell"}
SPARK_CORES = min(4, os.cpu_count() or 2)  # each driver's local[N]
# Drivers alive at once per region (each ~0.5 GB), warm ones included; a run past them waits for
# one to come free. Each driver already works on every core: a third on two cores only added a
# JVM start (~15 CPU-s) to the runs it slowed.
MAX_DRIVERS = SPARK_CORES
# Started by CreateJob ahead of any run, per region: one serves a deployment's first run; runs
# side by side start their own. (Four, one per CreateJob, cost ~10 CPU-s each and mostly idled.)
PREWARMED_DRIVERS = 1
DRIVER_START_SECONDS = 300  # for a driver started ahead of its first run
CRAWL_RUNNING_SECONDS = 1.5  # at least, so a poll loop sees RUNNING
CRAWL_STOPPING_SECONDS = 1.0
CRAWL_STATUS = {"COMPLETED": "SUCCEEDED", "STOPPED": "CANCELLED", "FAILED": "FAILED"}


def install(state_dir: Path, endpoint: str) -> None:
    runner = LocalJobRunner(Path(state_dir) / "glue", endpoint)
    _run_job_runs(runner)
    _show_job_runs()
    _run_crawls(endpoint)
    _show_crawlers()
    _fix_unset_execution_class()
    _prewarm_drivers(runner)


# --- job runs ----------------------------------------------------------------------------------


@dataclass
class RunRecord:
    """What the local runner adds to moto's job run."""

    glue_version: str | None
    started_on: datetime.datetime = field(
        default_factory=lambda: datetime.datetime.now(tz=datetime.UTC)
    )
    completed_on: datetime.datetime | None = None
    error_message: str | None = None
    log_group: str = "/aws-glue/jobs"

    def view(self, state: str) -> dict:
        finished = self.completed_on or datetime.datetime.now(tz=datetime.UTC)
        fields = {
            "StartedOn": self.started_on,
            "LastModifiedOn": finished,
            "ExecutionTime": int((finished - self.started_on).total_seconds()),
            "LogGroupName": self.log_group,
        }
        if self.glue_version:
            fields["GlueVersion"] = self.glue_version
        if state in TERMINAL_RUN_STATES and self.completed_on:
            fields["CompletedOn"] = self.completed_on
        if self.error_message:
            fields["ErrorMessage"] = self.error_message
        return fields


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class S3Mirror:
    """Local copies of S3 prefixes; `push` writes back what changed under them."""

    def __init__(self, s3, root: Path) -> None:
        self.s3, self.root = s3, root
        self.prefixes: set[tuple[str, str]] = set()
        self.pulled: dict[tuple[str, str], str] = {}  # (bucket, key) -> md5 of what was pulled

    def local_uri(self, uri: str) -> str:
        bucket, key = split_s3_uri(uri)
        self.pull(bucket, key.rstrip("/"), folder=uri.endswith("/"))
        path = self.root / bucket / key
        return path.as_uri() + ("/" if uri.endswith("/") and key else "")

    def pull(self, bucket: str, prefix: str, folder: bool) -> None:
        """Copies what a job can read at s3://bucket/prefix: a folder argument (ending in /) is
        listed; any other path is resolved as Hadoop's S3 file systems do, HEAD as a file then
        list as a folder, so the job's role needs on the local AWS what it needs on Glue."""
        if (bucket, prefix) in self.prefixes:
            return
        self.prefixes.add((bucket, prefix))
        (self.root / bucket / prefix).parent.mkdir(parents=True, exist_ok=True)
        if prefix and not folder and self._is_file(bucket, prefix):
            self._download(bucket, prefix)
            return
        listed = f"{prefix}/" if prefix else ""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=listed)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"]
                if not key.endswith("/") and (bucket, key) not in self.pulled:
                    self._download(bucket, key)

    def _is_file(self, bucket: str, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise  # 403: S3A raises AccessDeniedException, and the job fails
        return True

    def _download(self, bucket: str, key: str) -> None:
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        path = self.root / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.pulled[(bucket, key)] = hashlib.md5(body).hexdigest()

    def push(self) -> tuple[int, int]:
        """Uploads new and changed files, deletes removed ones; returns (uploaded, deleted)."""
        present: set[tuple[str, str]] = set()
        uploaded = 0
        for bucket, prefix in sorted(self.prefixes):
            base = self.root / bucket / prefix
            candidates = [base] if base.is_file() else base.rglob("*") if base.is_dir() else []
            for path in candidates:
                # Hadoop's local file system writes .<name>.crc checksums; S3 has none.
                if not path.is_file() or (path.name.startswith(".") and path.name.endswith(".crc")):
                    continue
                key = path.relative_to(self.root / bucket).as_posix()
                if (bucket, key) in present:
                    continue
                present.add((bucket, key))
                body = path.read_bytes()
                if self.pulled.get((bucket, key)) != hashlib.md5(body).hexdigest():
                    self.s3.put_object(Bucket=bucket, Key=key, Body=body)
                    uploaded += 1
        removed = [item for item in self.pulled if item not in present]
        for bucket, key in removed:
            self.s3.delete_object(Bucket=bucket, Key=key)
        return uploaded, len(removed)


class Driver:
    """A warm driver process (glue_driver.py): Spark started, running one job at a time."""

    def __init__(self, process: subprocess.Popen, reply_fd: int, log_path: Path) -> None:
        self.process, self.reply_fd, self.log_path = process, reply_fd, log_path
        self._buffer = b""

    def read_reply(self, deadline: float) -> dict | None:
        """The next reply line; None if none came before `deadline` (monotonic seconds).
        Raises EOFError if the driver died."""
        while b"\n" not in self._buffer:
            ready, _, _ = select.select(
                [self.reply_fd], [], [], max(0.0, deadline - time.monotonic())
            )
            if not ready:
                return None
            chunk = os.read(self.reply_fd, 65536)
            if not chunk:
                raise EOFError(self.last_log_line())
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def send(self, request: dict) -> None:
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()

    def last_log_line(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        tail = [line for line in lines if line.strip()]
        return f"driver exited with {self.process.poll()}: {tail[-1] if tail else 'no output'}"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the driver and Spark's JVM
        self.process.wait()
        os.close(self.reply_fd)


class LocalJobRunner:
    """Runs job runs in threads, each on a warm driver taken from (or added to) a pool."""

    def __init__(self, root: Path, endpoint: str) -> None:
        self.root = root
        self.endpoint = endpoint
        self.idle: dict[str, list[Driver]] = {}  # by region
        self.busy: set[Driver] = set()
        self.warming: dict[str, int] = {}  # drivers starting ahead of a run, by region
        self.alive: dict[str, int] = {}  # drivers starting, idle or busy, by region
        self.waiting: dict[str, int] = {}  # runs waiting for one of them
        self.closed = False
        self._lock = threading.Condition()
        self._count = 0
        atexit.register(self.shutdown)

    def prewarm(self, region: str) -> None:
        """Start a driver for the pool now, unless PREWARMED_DRIVERS are warm or warming."""
        with self._lock:
            warm = len(self.idle.get(region, [])) + self.warming.get(region, 0)
            if self.closed or warm >= PREWARMED_DRIVERS or self._at_cap(region):
                return
            self.warming[region] = self.warming.get(region, 0) + 1
            self.alive[region] = self.alive.get(region, 0) + 1
            self._count += 1
            home = self.root / "drivers" / str(self._count)
        home.mkdir(parents=True, exist_ok=True)  # a state dir may be reused (make demo)
        threading.Thread(
            target=self._warm, args=(region, home), daemon=True, name=f"glue-warm-{home.name}"
        ).start()

    def _warm(self, region: str, home: Path) -> None:
        driver = None
        try:
            driver = self._spawn(region, home)
            ready = driver.read_reply(time.monotonic() + DRIVER_START_SECONDS) is not None
        except (EOFError, OSError):
            log.exception("a Spark driver started ahead of its first run did not start")
            ready = False
        with self._lock:
            self.warming[region] -= 1
            keep = ready and not self.closed
            if keep:
                self.idle.setdefault(region, []).append(driver)
            else:
                self.alive[region] -= 1
            self._lock.notify_all()
        if driver is not None and not keep:
            driver.kill()

    def submit(self, job, job_run) -> None:
        threading.Thread(
            target=self.run,
            args=(job, job_run),
            daemon=True,
            name=f"glue-{job.name}-{job_run.job_run_id[:12]}",
        ).start()

    def run(self, job, job_run) -> None:
        record: RunRecord = job_run.local
        workdir = self.root / "runs" / job_run.job_run_id
        workdir.mkdir(parents=True, exist_ok=True)
        region = job.backend.region_name
        # Glue reads the script and the data with a session of the job's role.
        s3 = authorization.session_client(
            "s3",
            self.endpoint,
            region,
            authorization.role_arn(job.role, job.backend.account_id),
            "GlueJobRunnerSession",
        )
        mirror = S3Mirror(s3, workdir / "s3")
        state, message = "FAILED", None
        try:
            command = job.command or {}
            if command.get("Name", "glueetl") not in SPARK_COMMANDS:
                raise RuntimeError(
                    f"the local AWS runs glueetl and pythonshell jobs, not {command.get('Name')}"
                )
            script = workdir / "script" / Path(command["ScriptLocation"]).name
            self._download(s3, command["ScriptLocation"], script)
            argv, python_path = self._arguments(s3, job, job_run, workdir, mirror)
            request = {
                "script": str(script),
                "argv": argv,
                "cwd": str(workdir),
                "python_path": python_path,
                "log_path": str(workdir / "driver.log"),
            }
            timeout = 60 * (job_run.timeout or job.timeout or 2880)
            state, message = self._execute(region, request, timeout)
            uploaded, deleted = mirror.push()
            log.info(
                "glue run %s %s: %s (%d objects written, %d deleted)",
                job.name,
                job_run.job_run_id,
                state,
                uploaded,
                deleted,
            )
        except Exception as exc:  # the runner's own failure still ends the run, as FAILED
            log.exception("glue run %s %s could not run", job.name, job_run.job_run_id)
            message = f"{type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(workdir / "s3", ignore_errors=True)
            record.error_message = message
            record.completed_on = datetime.datetime.now(tz=datetime.UTC)
            job_run.status = state
            job_state_changed(job, job_run, state, message)

    @staticmethod
    def _download(s3, uri: str, path: Path) -> None:
        bucket, key = split_s3_uri(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except Exception as exc:
            raise RuntimeError(f"cannot download {uri}: {exc}") from exc

    def _arguments(self, s3, job, job_run, workdir: Path, mirror: S3Mirror):
        """The script's argv (S3 data paths as file:// URIs of the mirror) and its extra
        Python path."""
        arguments = {
            "--JOB_ID": f"j_{hashlib.sha256(job.name.encode()).hexdigest()[:32]}",
            "--JOB_RUN_ID": job_run.job_run_id,
            "--JOB_NAME": job.name,
            **(job_run.arguments or {}),
        }
        python_path = []
        for uri in filter(None, arguments.get("--extra-py-files", "").split(",")):
            target = workdir / "pylib" / Path(uri.strip()).name
            self._download(s3, uri.strip(), target)
            python_path.append(str(target if target.suffix in {".zip", ".whl"} else target.parent))
        for uri in filter(None, arguments.get("--extra-files", "").split(",")):
            self._download(s3, uri.strip(), workdir / Path(uri.strip()).name)
        argv = []
        for name, value in arguments.items():
            if isinstance(value, str) and value.startswith("s3://") and name not in NOT_MIRRORED:
                value = mirror.local_uri(value)
            argv += [name, str(value)]
        return argv, sorted(set(python_path))

    def _execute(self, region: str, request: dict, timeout: float) -> tuple[str, str | None]:
        deadline = time.monotonic() + timeout
        driver = self._acquire(region, deadline)
        if driver is None:
            return "TIMEOUT", f"Job run timed out after {timeout // 60:.0f} minutes"
        try:
            driver.send(request)
            reply = driver.read_reply(deadline)
        except (EOFError, OSError) as exc:
            self._discard(region, driver)
            return "FAILED", str(exc)
        if reply is None:
            self._discard(region, driver)
            return "TIMEOUT", f"Job run timed out after {timeout // 60:.0f} minutes"
        self._release(region, driver, reply["reusable"])
        return ("SUCCEEDED", None) if reply["ok"] else ("FAILED", reply["error"])

    def _acquire(self, region: str, deadline: float) -> Driver | None:
        with self._lock:
            pool = self.idle.setdefault(region, [])
            # A driver already starting (prewarm) and not promised to an earlier run: wait for it.
            if not pool and self.warming.get(region, 0) > self.waiting.get(region, 0):
                self.waiting[region] = self.waiting.get(region, 0) + 1
                self._lock.wait_for(lambda: pool or not self.warming[region], DRIVER_START_SECONDS)
                self.waiting[region] -= 1
            # At the cap: wait for a driver to come free (or to die, making room for a new one).
            ready = self._lock.wait_for(
                lambda: pool or not self._at_cap(region) or self.closed,
                max(0.0, deadline - time.monotonic()),
            )
            if not ready or self.closed:
                return None
            driver = pool.pop() if pool else None
            if driver is not None:
                self.busy.add(driver)
                return driver
            self._count += 1
            number = self._count
            self.alive[region] = self.alive.get(region, 0) + 1
        try:
            driver = self._spawn(region, self.root / "drivers" / str(number))
        except OSError:
            self._gone(region)
            raise
        with self._lock:
            self.busy.add(driver)
        try:
            if driver.read_reply(deadline) is None:
                self._discard(region, driver)
                return None
        except EOFError as exc:
            self._discard(region, driver)
            raise RuntimeError(f"the local Spark driver did not start: {exc}") from exc
        return driver

    def _spawn(self, region: str, home: Path) -> Driver:
        home.mkdir(parents=True, exist_ok=True)
        submit_args = [
            "--master",
            f"local[{SPARK_CORES}]",
            "--driver-memory",
            "2g",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.ui.showConsoleProgress=false",
            "--conf",
            f"spark.sql.shuffle.partitions={SPARK_CORES * 2}",
            "--conf",
            f"spark.sql.warehouse.dir={home / 'warehouse'}",
            "--driver-java-options",
            f"-XX:TieredStopAtLevel=1 -Dderby.system.home={home}",
            "pyspark-shell",
        ]
        reply_read, reply_write = os.pipe()
        env = {
            **os.environ,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": shlex.join(submit_args),
            "SPARK_LOCAL_IP": "127.0.0.1",  # Spark binds loopback only
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "localaws",
            "AWS_SECRET_ACCESS_KEY": "localaws",
            "LOCALAWS_REPLY_FD": str(reply_write),
        }
        log_path = home / "driver.log"
        with log_path.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("glue_driver.py"))],
                cwd=home,
                env=env,
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(reply_write,),
                start_new_session=True,  # one process group with Spark's JVM, to end both
            )
        os.close(reply_write)
        return Driver(process, reply_read, log_path)

    def _at_cap(self, region: str) -> bool:
        return self.alive.get(region, 0) >= MAX_DRIVERS

    def _gone(self, region: str) -> None:
        """A driver of the region ended: room for another."""
        with self._lock:
            self.alive[region] -= 1
            self._lock.notify_all()

    def _release(self, region: str, driver: Driver, reusable: bool) -> None:
        with self._lock:
            self.busy.discard(driver)
            if reusable and not self.closed:
                self.idle.setdefault(region, []).append(driver)
                self._lock.notify_all()
                return
        self._discard(region, driver)

    def _discard(self, region: str, driver: Driver) -> None:
        with self._lock:
            self.busy.discard(driver)
        driver.kill()
        self._gone(region)

    def shutdown(self) -> None:
        with self._lock:
            self.closed = True
            self._lock.notify_all()  # runs waiting for a driver
            drivers = [*self.busy, *(d for pool in self.idle.values() for d in pool)]
            self.busy.clear()
            self.idle.clear()
        for driver in drivers:
            driver.kill()


def job_state_changed(job, job_run, state: str, message: str | None) -> None:
    """Glue's "Glue Job State Change" event for a run that ended (Glue developer guide,
    "Automating AWS Glue with EventBridge"), on the default event bus."""
    detail = {"jobName": job.name, "severity": "INFO" if state == "SUCCEEDED" else "ERROR"}
    detail |= {"state": state, "jobRunId": job_run.job_run_id, "message": message or ""}
    backend = job.backend
    cloudwatch.service_event(
        backend.account_id, backend.region_name, "aws.glue", "Glue Job State Change", detail
    )


def _run_job_runs(runner: LocalJobRunner) -> None:
    def start_job_run(self, *args, **kwargs) -> str:
        run_id = start(self, *args, **kwargs)  # moto checks MaxConcurrentRuns and merges arguments
        job_run = next(r for r in self.job_runs if r.job_run_id == run_id)
        job_run._transitions = []  # the state is ours to set, no longer advanced by reads
        job_run.status = "RUNNING"
        job_run.local = RunRecord(glue_version=self.glue_version)
        runner.submit(self, job_run)
        return run_id

    start = replace("FakeJob.start_job_run", start_job_run)


def _show_job_runs() -> None:
    def view(self) -> dict:
        data = as_dict(self)
        record = getattr(self, "local", None)
        if record is not None:  # moto's fixed ExecutionTime 123, GlueVersion 0.9, CompletedOn
            data.pop("CompletedOn", None)
            data.update(record.view(data["JobRunState"]))
        return data

    as_dict = replace("FakeJobRun.as_dict", view)


# --- crawlers ----------------------------------------------------------------------------------


class CrawlError(Exception):
    pass


def glue_type(arrow_type) -> str:
    """The Hive/Glue type of a Parquet column as pyarrow reads it."""
    import pyarrow as pa

    t = pa.types
    simple = [
        (t.is_boolean, "boolean"),
        (t.is_int8, "tinyint"),
        (t.is_int16, "smallint"),
        (t.is_int32, "int"),
        (t.is_int64, "bigint"),
        (t.is_uint8, "smallint"),
        (t.is_uint16, "int"),
        (t.is_uint32, "bigint"),
        (t.is_uint64, "bigint"),
        (t.is_float16, "float"),
        (t.is_float32, "float"),
        (t.is_float64, "double"),
        (t.is_string, "string"),
        (t.is_large_string, "string"),
        (t.is_binary, "binary"),
        (t.is_large_binary, "binary"),
        (t.is_date, "date"),
        (t.is_timestamp, "timestamp"),
    ]
    for test, name in simple:
        if test(arrow_type):
            return name
    if t.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if t.is_list(arrow_type) or t.is_large_list(arrow_type):
        return f"array<{glue_type(arrow_type.value_type)}>"
    if t.is_map(arrow_type):
        return f"map<{glue_type(arrow_type.key_type)},{glue_type(arrow_type.item_type)}>"
    if t.is_struct(arrow_type):
        fields = ",".join(f"{f.name}:{glue_type(f.type)}" for f in arrow_type)
        return f"struct<{fields}>"
    return "string"


def table_name(prefix: str | None, path: str) -> str:
    """A crawler's name for the table at `path`: its last folder, lower case, with a prefix."""
    folder = path.rstrip("/").rsplit("/", 1)[-1]
    return (prefix or "") + re.sub(r"[^a-z0-9_]", "_", folder.lower())


@dataclass
class CrawledTable:
    name: str
    location: str
    columns: list[dict]
    partition_keys: list[str]
    partitions: dict[tuple[str, ...], str]  # values -> location
    files: int


def infer_table(s3, path: str, exclusions: list[str], prefix: str | None) -> CrawledTable | None:
    """The table a crawler makes of the Parquet files under `path`; None if it holds none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    bucket, key = split_s3_uri(path)
    base = key.rstrip("/")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        keys += [item["Key"] for item in page.get("Contents", [])]
    layouts: dict[tuple[str, ...], list[str]] = {}
    schemas = []
    for object_key in sorted(keys):
        relative = object_key[len(base) :].lstrip("/") if base else object_key
        if (base and not object_key.startswith(base + "/")) or not relative:
            continue
        parts = relative.split("/")
        # Spark's _SUCCESS, .crc and _temporary files are not data (Spark skips them too).
        if any(part.startswith(("_", ".")) for part in parts) or relative.endswith("/"):
            continue
        if any(fnmatch.fnmatch(relative, pattern) for pattern in exclusions):
            continue
        body = s3.get_object(Bucket=bucket, Key=object_key)["Body"].read()
        try:
            schemas.append(pq.read_schema(io.BytesIO(body)))
        except pa.ArrowInvalid as exc:
            raise CrawlError(
                f"s3://{bucket}/{object_key} is not Parquet: the local crawler classifies Parquet "
                f"only ({exc})"
            ) from exc
        layouts.setdefault(tuple(parts[:-1]), []).append(object_key)
    if not schemas:
        return None
    depths = {len(folders) for folders in layouts}
    if len(depths) != 1:
        raise CrawlError(f"{path}: data files lie at different folder depths {sorted(depths)}")
    (depth,) = depths
    names = []
    for index in range(depth):
        found = {
            folders[index].partition("=")[0] if "=" in folders[index] else f"partition_{index}"
            for folders in layouts
        }
        if len(found) != 1:
            raise CrawlError(f"{path}: folders at level {index + 1} disagree on a partition key")
        names.append(found.pop())
    try:
        schema = pa.unify_schemas(schemas)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise CrawlError(f"{path}: files have incompatible schemas ({exc})") from exc
    location = f"s3://{bucket}/{base}/" if base else f"s3://{bucket}/"
    return CrawledTable(
        name=table_name(prefix, path),
        location=location,
        columns=[
            {"Name": f.name, "Type": glue_type(f.type)} for f in schema if f.name not in names
        ],
        partition_keys=names,
        partitions={
            tuple(f.partition("=")[2] if "=" in f else f for f in folders): location
            + "/".join(folders)
            + "/"
            for folders in layouts
            if folders
        },
        files=sum(len(v) for v in layouts.values()),
    )


def _storage(location: str, columns: list[dict], parameters: dict) -> dict:
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
        "StoredAsSubDirectories": False,
        "Parameters": parameters,
    }


def catalog_table(glue, crawler, table: CrawledTable) -> None:
    """Creates or updates `table` in the crawler's database and adds its new partitions."""
    parameters = {
        "classification": "parquet",
        "typeOfData": "file",
        "compressionType": "none",
        "objectCount": str(table.files),
        "UPDATED_BY_CRAWLER": crawler.name,
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    }
    table_input = {
        "Name": table.name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in table.partition_keys],
        "StorageDescriptor": _storage(table.location, table.columns, parameters),
    }
    database = crawler.database_name
    policy = (crawler.schema_change_policy or {}).get("UpdateBehavior", "UPDATE_IN_DATABASE")
    try:
        glue.create_table(DatabaseName=database, TableInput=table_input)
    except glue.exceptions.AlreadyExistsException:
        if policy == "UPDATE_IN_DATABASE":
            glue.update_table(DatabaseName=database, TableInput=table_input)
    known = set()
    pages = glue.get_paginator("get_partitions").paginate(
        DatabaseName=database, TableName=table.name
    )
    for page in pages:
        known |= {tuple(p["Values"]) for p in page["Partitions"]}
    new = [
        {
            "Values": list(values),
            "StorageDescriptor": _storage(location, table.columns, parameters),
            "Parameters": parameters,
        }
        for values, location in sorted(table.partitions.items())
        if values not in known
    ]
    for start in range(0, len(new), 100):
        result = glue.batch_create_partition(
            DatabaseName=database, TableName=table.name, PartitionInputList=new[start : start + 100]
        )
        if result.get("Errors"):
            raise CrawlError(f"cannot add partitions to {table.name}: {result['Errors'][:1]}")


def crawl(s3, glue, crawler) -> list[str]:
    """Catalogs every S3 target of `crawler`; returns the table names."""
    try:
        glue.get_database(Name=crawler.database_name)
    except glue.exceptions.EntityNotFoundException as exc:
        raise CrawlError(f"Database {crawler.database_name} not found") from exc
    names = []
    for target in (crawler.targets or {}).get("S3Targets", []):
        table = infer_table(s3, target["Path"], target.get("Exclusions", []), crawler.table_prefix)
        if table is not None:
            catalog_table(glue, crawler, table)
            names.append(table.name)
    return names


def _run_crawls(endpoint: str) -> None:
    from moto.core.utils import utcnow
    from moto.glue.exceptions import CrawlerRunningException

    def client(service: str, crawler):
        # A crawler reads the data and writes the catalog with a session of its role.
        role = authorization.role_arn(crawler.role, crawler.backend.account_id)
        region = crawler.backend.region_name
        return authorization.session_client(service, endpoint, region, role, "AWS-Crawler")

    def work(crawler, record) -> None:
        started = time.monotonic()
        try:
            tables = crawl(client("s3", crawler), client("glue", crawler), crawler)
            log.info("crawler %s cataloged %s", crawler.name, tables)
        except Exception as exc:
            log.warning("crawler %s failed: %s", crawler.name, exc)
            record.error_message = str(exc)
        time.sleep(max(0.0, CRAWL_RUNNING_SECONDS - (time.monotonic() - started)))
        stopped = record.status == "STOPPING"  # StopCrawler was called
        record.status = "STOPPING"
        time.sleep(CRAWL_STOPPING_SECONDS)
        record.end_time = utcnow()  # moto's clock: naive UTC
        record.status = "STOPPED" if stopped else "FAILED" if record.error_message else "COMPLETED"

    def start_crawler(self) -> None:
        if self.status != "READY":  # moto let a STOPPING crawler start again
            raise CrawlerRunningException(f"Crawler with name {self.name} has already started")
        original_start(self)
        record = self.crawls[-1]
        record._transitions = []  # the state is ours to set
        record.status = "RUNNING"
        record.error_message = None
        threading.Thread(
            target=work, args=(self, record), daemon=True, name=f"crawler-{self.name}"
        ).start()

    original_start = replace("FakeCrawler.start_crawler", start_crawler)


def _show_crawlers() -> None:
    from moto.core.utils import utcnow

    def view(self) -> dict:
        data = as_dict(self)
        # LastCrawl is the last finished crawl (AWS: SUCCEEDED | CANCELLED | FAILED), not the one
        # in progress; CrawlElapsedTime counts the one in progress.
        data.pop("LastCrawl", None)
        data["CrawlElapsedTime"] = 0
        finished = [c for c in self.crawls if c.status in CRAWL_STATUS]
        if finished:
            last = finished[-1]
            data["LastCrawl"] = {
                "Status": CRAWL_STATUS[last.status],
                "LogGroup": last.log_group,
                "LogStream": last.log_stream,
                "MessagePrefix": last.message_prefix,
                "StartTime": last.start_time,
            }
            if getattr(last, "error_message", None):
                data["LastCrawl"]["ErrorMessage"] = last.error_message
        if self.crawls and self.crawls[-1].status in ("RUNNING", "STOPPING"):
            elapsed = utcnow() - self.crawls[-1].start_time
            data["CrawlElapsedTime"] = int(elapsed.total_seconds() * 1000)
        return {k: v for k, v in data.items() if v is not None}

    as_dict = replace("FakeCrawler.as_dict", view)


# --- Terraform --------------------------------------------------------------


def _fix_unset_execution_class() -> None:
    def create(self, *args, **kwargs) -> None:
        create_job(self, *args, **kwargs)
        self.jobs[kwargs["name"]].execution_class_set = kwargs.get("execution_class") is not None

    def view(self) -> dict:
        data = as_dict(self)
        # moto reported "STANDARD" for a job created without ExecutionClass, which AWS leaves
        # out; Terraform then planned execution_class "STANDARD" -> null on every plan.
        if not getattr(self, "execution_class_set", True):
            data.pop("ExecutionClass", None)
        return data

    create_job = replace("GlueBackend.create_job", create)
    as_dict = replace("FakeJob.as_dict", view)


def _prewarm_drivers(runner: LocalJobRunner) -> None:
    def create(self, *args, **kwargs) -> None:
        create_job(self, *args, **kwargs)
        if (kwargs.get("command") or {}).get("Name", "glueetl") in SPARK_COMMANDS:
            runner.prewarm(self.region_name)

    create_job = replace("GlueBackend.create_job", create)
