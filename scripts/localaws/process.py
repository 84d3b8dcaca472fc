"""Start the embedded local AWS (scripts/local_aws.py) as a subprocess and talk to it
(used by the tests, the demo and the benchmarks)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from . import REGION, client

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalAwsProcess:
    """One local AWS server for a test session; clients point at it explicitly."""

    def __init__(self, state_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.state_dir = state_dir
        self.log_path = state_dir / "server.log"
        self.process: subprocess.Popen | None = None
        self._clients: dict[tuple, object] = {}
        self._clients_lock = threading.Lock()

    def start(self, timeout: float = 60.0) -> LocalAwsProcess:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "local_aws.py"),
                "--port",
                str(self.port),
                "--state-dir",
                str(self.state_dir),
                "--sdk-dir",
                str(ROOT / ".venv" / "lambda-runtime"),
                "--log-level",
                "INFO",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local AWS exited: {self.log_path.read_text()[-2000:]}")
            try:
                self.control("GET", "health")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("local AWS did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def control(self, method: str, route: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.endpoint}/_localaws/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def inject_fault(
        self,
        function: str,
        count: int = 1,
        error_type: str = "InjectedFault",
        timeout: bool = False,
    ) -> None:
        self.control(
            "POST",
            "faults",
            {"function": function, "count": count, "error_type": error_type, "timeout": timeout},
        )

    def clear_faults(self) -> None:
        self.control("DELETE", "faults")

    def invocations(self, function: str | None = None) -> list[dict]:
        route = "invocations" + (f"?function={function}" if function else "")
        return self.control("GET", route)["invocations"]

    def workers(self) -> dict:
        """The Lambda sandboxes alive: per function busy, idle (with their pids), throttles; the
        cap per function and the idle time after which a sandbox ends."""
        return self.control("GET", "workers")

    def configure_workers(
        self, max_per_function: int | None = None, idle_seconds: float | None = None
    ) -> dict:
        body = {"max_per_function": max_per_function, "idle_seconds": idle_seconds}
        return self.control("POST", "workers", {k: v for k, v in body.items() if v is not None})

    def http_api_url(self, api_id: str) -> str:
        """Where the local AWS serves an HTTP API's `$default` stage."""
        return f"{self.endpoint}/_localaws/execute-api/{api_id}"

    def client(self, service: str, **kwargs):
        """A client of this server, the same one for the same arguments: boto3's clients are
        thread-safe, and making one took ~20 ms of CPU, a tenth of the local AWS tests' own."""
        key = (service, *sorted(kwargs.items()))
        try:
            hash(key)
        except TypeError:  # e.g. a dict of keys: a client of its own
            return client(service, self.endpoint, **kwargs)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = client(service, self.endpoint, **kwargs)
            return self._clients[key]

    def client_kwargs(self) -> dict:
        return {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": "localaws",
            "aws_secret_access_key": "localaws",
        }

    def environ(self) -> dict[str, str]:
        """Environment for a child process (terraform, scripts) that should use this server."""
        return {
            **os.environ,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "localaws",
            "AWS_SECRET_ACCESS_KEY": "localaws",
        }
