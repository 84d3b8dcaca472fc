"""IAM enforcement's cost on the local AWS: the same work with enforcement on (`enforce`, the
default) and off, in one run, the mode switched between interleaved rounds with the control API
(`POST /_localaws/iam {"mode": ...}`); `off` is the baseline.

1. Per request: a client with a role session's keys (from sts:AssumeRole) makes `--calls` cheap
   calls a round, alternately S3 HeadObject and SQS GetQueueAttributes, each allowed by the role's
   inline policy. Each round also checks that the mode is in force: a call the policy does not
   allow is refused with enforcement on and answered with it off.
2. End to end: media-convert's test root (tests/terraform/media_convert) is applied once; a
   round uploads an 8 s clip and waits for what the upload starts (S3 notification -> start
   function -> execution: split, four encodes, merge, as the functions' roles) to succeed, timed
   from the upload to the execution's stop time; its MP4 and thumbnail are then checked. Any IAM
   denial fails the benchmark. Target: enforcement adds under 10 % here.

    .venv/bin/python tests/bench/bench_iam.py [--rounds 15] [--request-rounds 15] [--calls 200]
        [--micro-only]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

from benchlib import (  # first: sets sys.path
    ROOT,
    Comparison,
    Record,
    interleave,
    run_benchmark,
    timed,
)

# isort: split
from lambda_common.naming import execution_name
from localaws.process import LocalAwsProcess
from sample_media import make_video
from tfroot import TerraformRoot

MODES = ("off", "enforce")  # baseline first


def set_mode(server: LocalAwsProcess, mode: str) -> None:
    if server.control("POST", "iam", {"mode": mode})["mode"] != mode:
        raise RuntimeError(f"the local AWS did not switch IAM to {mode}")


# --- per request ---------------------------------------------------------------------------------


def role_session_clients(server: LocalAwsProcess, tag: str) -> tuple[dict, dict]:
    """(clients of a role session, the resources): the role may HeadObject one object and
    GetQueueAttributes one queue; a second object it may not read."""
    s3, sqs, iam = server.client("s3"), server.client("sqs"), server.client("iam")
    account = server.client("sts").get_caller_identity()["Account"]
    bucket = f"{tag}-bench"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="allowed.txt", Body=b"allowed")
    s3.put_object(Bucket=bucket, Key="other.txt", Body=b"other")
    queue_url = sqs.create_queue(QueueName=f"{tag}-bench")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    trust = {  # principals of this account may assume it (the deployer does, below)
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole",
    }
    role = iam.create_role(
        RoleName=f"{tag}-bench",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]["Arn"]
    grants = [
        # HeadObject is authorized as s3:GetObject (S3 API reference, HeadObject "Permissions").
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/allowed.txt",
        },
        {"Effect": "Allow", "Action": "sqs:GetQueueAttributes", "Resource": queue_arn},
    ]
    iam.put_role_policy(
        RoleName=f"{tag}-bench",
        PolicyName="bench",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": grants}),
    )
    keys = server.client("sts").assume_role(RoleArn=role, RoleSessionName="bench")["Credentials"]
    clients = {service: server.client(service, credentials=keys) for service in ("s3", "sqs")}
    return clients, {"bucket": bucket, "queue_url": queue_url}


def check_mode_in_force(clients: dict, resources: dict, mode: str) -> None:
    """The read the role has no grant for: refused when enforced, answered when off."""
    s3 = clients["s3"]
    try:
        s3.head_object(Bucket=resources["bucket"], Key="other.txt")
        refused = False
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "403":
            raise
        refused = True
    if refused != (mode == "enforce"):
        raise RuntimeError(
            f"IAM mode {mode}: the ungranted read was {'' if refused else 'not '}refused"
        )


def bench_requests(server: LocalAwsProcess, rounds: int, calls: int, tag: str) -> Comparison:
    clients, resources = role_session_clients(server, tag)
    s3, sqs = clients["s3"], clients["sqs"]

    def cheap_calls() -> None:
        for index in range(calls):
            if index % 2:
                sqs.get_queue_attributes(
                    QueueUrl=resources["queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
                )
            else:
                s3.head_object(Bucket=resources["bucket"], Key="allowed.txt")

    def arm(mode: str):
        def run() -> float:
            set_mode(server, mode)
            check_mode_in_force(clients, resources, mode)
            return timed(cheap_calls) / calls

        return run

    for mode in MODES:  # warm-up: connections, moto's and the authorizer's first-use work
        arm(mode)()
    times = interleave({mode: arm(mode) for mode in MODES}, rounds)
    return Comparison(
        "request as a role session",
        "IAM off",
        "IAM enforced",
        times["off"],
        times["enforce"],
    )


# --- end to end ----------------------------------------------------------------------------------


def wait_for_execution(server: LocalAwsProcess, arn: str, timeout: float = 300) -> dict:
    sfn = server.client("stepfunctions")
    start = time.monotonic()
    while time.monotonic() < start + timeout:
        try:
            execution = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            # The start function runs asynchronously; a minute without it is a failure.
            if time.monotonic() > start + 60:
                raise RuntimeError(f"no execution {arn} started") from None
            execution = {"status": "RUNNING"}
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.1)
    raise RuntimeError(f"{arn} not finished after {timeout} s")


def denials(server: LocalAwsProcess) -> list[str]:
    return [denial["message"] for denial in server.control("GET", "iam")["denied"]]


def bench_workflow(server: LocalAwsProcess, rounds: int, work: Path, tag: str) -> Comparison:
    root = TerraformRoot(
        ROOT / "tests" / "terraform" / "media_convert",
        work / "terraform",
        server.environ(),
        {"endpoint": server.endpoint, "artifacts_dir": str(ROOT / "build"), "name": tag},
    )
    print("  applying tests/terraform/media_convert ...", flush=True)
    root.init()
    outputs = root.apply()["media_convert"]
    # 8 s with audio, keyframes every 2 s: four parts at the root's 2 s segments.
    clip = make_video(work / "clip.mp4", 8, "320x180").read_bytes()
    s3 = server.client("s3")
    stem = outputs["state_machine_arn"].replace(":stateMachine:", ":execution:")

    def run_workflow() -> float:
        """Seconds from the upload to the execution's end, by the execution's own stop time
        (the local AWS shares this machine's clock): not rounded to the polling interval."""
        key = f"{outputs['source_prefix']}bench-{uuid.uuid4().hex[:8]}.mp4"
        start = time.time()
        put = s3.put_object(Bucket=outputs["source_bucket"], Key=key, Body=clip)
        name = execution_name(outputs["source_bucket"], key, put["ETag"], put.get("VersionId"))
        execution = wait_for_execution(server, f"{stem}:{name}")
        if execution["status"] != "SUCCEEDED":
            raise RuntimeError(f"{key}: {execution['status']} {execution.get('cause')}")
        stem_key = f"{outputs['output_prefix']}{key.removesuffix('.mp4')}"
        for extension in (".mp4", ".jpg"):
            s3.head_object(Bucket=outputs["output_bucket"], Key=stem_key + extension)
        return execution["stopDate"].timestamp() - start

    denied_before = len(denials(server))  # the apply's (Terraform retries some)

    def arm(mode: str):
        def run() -> float:
            set_mode(server, mode)
            try:
                seconds = run_workflow()
            finally:
                # The cost of enforcement is measured on a workflow IAM allows whole.
                if denied := denials(server)[denied_before:]:
                    raise RuntimeError(f"IAM denied the workflow: {denied}")
            print(f"    IAM {mode:<8}{seconds:6.2f} s", flush=True)
            return seconds

        return run

    for mode in MODES:  # warm-up: the functions' first (cold) invocations
        arm(mode)()
    times = interleave({mode: arm(mode) for mode in MODES}, rounds)
    return Comparison(
        "media-convert workflow",
        "IAM off",
        "IAM enforced",
        times["off"],
        times["enforce"],
        target="< 1.10",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=15, help="workflows in each mode (default 15)"
    )
    parser.add_argument(
        "--request-rounds", type=int, default=15, help="rounds of requests (default 15)"
    )
    parser.add_argument("--calls", type=int, default=200, help="requests a round (default 200)")
    parser.add_argument("--micro-only", action="store_true", help="skip the workflow")
    args = parser.parse_args()

    record = Record("iam", vars(args))
    tag = f"ib-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="bench-iam-") as work:
        work = Path(work)
        server = LocalAwsProcess(work / "localaws").start()
        try:
            print("IAM enforcement's cost: enforced against off, rounds interleaved")
            requests = record.add(bench_requests(server, args.request_rounds, args.calls, tag))
            print(f"  per request: {requests.ratio_median:.3f}x (median)", flush=True)
            if not args.micro_only:
                record.add(bench_workflow(server, args.rounds, work, tag))
        finally:
            server.stop()  # the whole local AWS goes: no destroy needed
    record.write()
    return 0


if __name__ == "__main__":
    run_benchmark(main)
