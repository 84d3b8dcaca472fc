"""Run the embedded local AWS on a loopback port until interrupted.

python scripts/local_aws.py --port 4566 --state-dir build/localaws [--print-provider]

Runs from any directory: its defaults are paths of this clone. `make local-aws` runs it with
--print-provider, which prints the `provider "aws"` block a root of one's own points at it with.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from localaws import REGION, lambda_runtime

ROOT = Path(__file__).resolve().parents[1]

# Every service the modules, examples and test roots create resources with (a test compares it
# with their provider blocks).
SERVICES = (
    "apigatewayv2",
    "appsync",
    "cloudwatch",
    "cloudwatchlogs",
    "cognitoidp",
    "dynamodb",
    "events",
    "glue",
    "iam",
    "kms",
    "lambda",
    "rekognition",
    "s3",
    "ses",
    "sfn",
    "sns",
    "sqs",
    "sts",
)


def provider_block(endpoint: str) -> str:
    """The `provider "aws"` settings of a root applied to the local AWS at `endpoint`."""
    width = max(map(len, SERVICES))
    endpoints = "".join(f'    {name:<{width}} = "{endpoint}"\n' for name in SERVICES)
    return (
        'provider "aws" {\n'
        f'  region                      = "{REGION}"\n'
        '  access_key                  = "localaws"\n'
        '  secret_key                  = "localaws"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  s3_use_path_style           = true\n"
        "\n"
        "  endpoints {\n"
        f"{endpoints}"
        "  }\n"
        "}\n"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", type=Path, default=ROOT / "build" / "localaws")
    parser.add_argument(
        "--sdk-dir",
        type=Path,
        default=ROOT / ".venv" / "lambda-runtime",
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
    parser.add_argument(
        "--print-provider",
        action="store_true",
        help="print the provider settings of a terraform root using this server",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    # Imported here: the server pulls in moto, which --help and the tests of parse_args skip.
    from localaws.server import LocalAws

    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")

    if not args.sdk_dir.is_dir():
        print(
            f"local_aws: {args.sdk_dir} is missing; run 'make bootstrap' in {ROOT}",
            file=sys.stderr,
        )
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
    endpoint = f"http://{args.host}:{args.port}"
    print(f"local AWS listening on {endpoint}", flush=True)
    if args.print_provider:
        print(
            "\nPaste into your root (terraform init, then plan and apply as usual), or export"
            " AWS_ENDPOINT_URL for the AWS CLI and SDKs:\n\n"
            f"{provider_block(endpoint)}\n"
            f"export AWS_ENDPOINT_URL={endpoint} AWS_REGION={REGION}"
            " AWS_ACCESS_KEY_ID=localaws AWS_SECRET_ACCESS_KEY=localaws\n\n"
            "Ctrl-C stops it. It keeps everything in memory: what a root applied to it goes"
            " with it (delete that root's terraform.tfstate before the next apply).",
            flush=True,
        )
    stopping.wait()
    server.shutdown()  # also ends the Lambda worker processes
    return 0


if __name__ == "__main__":
    sys.exit(main())
