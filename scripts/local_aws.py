"""Run the embedded local AWS on a loopback port until interrupted.

python scripts/local_aws.py --port 4566 --state-dir build/localaws
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from localaws import lambda_runtime
from localaws.server import LocalAws


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", type=Path, default=Path("build/localaws"))
    parser.add_argument(
        "--sdk-dir",
        type=Path,
        default=Path(".venv/lambda-runtime"),
        help="boto3 for the function runtime, as Lambda provides it (make bootstrap installs it)",
    )
    parser.add_argument(
        "--lambda-max-workers",
        type=int,
        default=int(os.environ.get("LOCALAWS_LAMBDA_MAX_WORKERS", lambda_runtime.MAX_WORKERS)),
        help="sandboxes per function; more invocations wait (env LOCALAWS_LAMBDA_MAX_WORKERS)",
    )
    parser.add_argument(
        "--lambda-idle-seconds",
        type=float,
        default=float(os.environ.get("LOCALAWS_LAMBDA_IDLE_SECONDS", lambda_runtime.IDLE_SECONDS)),
        help="an idle sandbox ends after this (env LOCALAWS_LAMBDA_IDLE_SECONDS)",
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")

    if not args.sdk_dir.is_dir():
        print(f"local_aws: {args.sdk_dir} is missing; run 'make bootstrap'", file=sys.stderr)
        return 2
    args.state_dir.mkdir(parents=True, exist_ok=True)
    server = LocalAws(
        args.host,
        args.port,
        args.state_dir.resolve(),
        args.sdk_dir.resolve(),
        args.lambda_max_workers,
        args.lambda_idle_seconds,
    )

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server.start_in_thread()
    print(f"local AWS listening on http://{args.host}:{args.port}", flush=True)
    stopping.wait()
    server.shutdown()  # also ends the Lambda worker processes
    return 0


if __name__ == "__main__":
    sys.exit(main())
