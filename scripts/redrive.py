"""Replay failed work, on AWS or on the local AWS, once its cause is fixed.

    redrive.py executions --state-machine ARN [--since-hours 24] [--execution ARN] [--restart]
                          [--wait 600]
    redrive.py queue --queue URL|ARN [--destination ARN] [--rate N] [--wait 600]
    redrive.py queue --queue URL|ARN --to-function NAME     # a Lambda function's own DLQ
    (each takes --dry-run; --endpoint-url URL for the local AWS, e.g. http://127.0.0.1:4566)

`executions` redrives (RedriveExecution) every FAILED, TIMED_OUT or ABORTED execution of the
state machine that stopped within --since-hours (at most the 14 days AWS allows): each resumes
at the state that did not complete, with that state's input, under the same ARN. An execution
that ended in a Fail state after a Catch would only fail there again: it is reported and left
alone, or, with --restart, started anew (StartExecution, same input, name <name>-rerun-<n>).

`queue` moves a dead-letter queue's messages back to the queue they failed from (or to
--destination) with an SQS message move task (StartMessageMoveTask). A Lambda function's
dead-letter queue (asynchronous invocations that failed, e.g. S3 events) has no source queue:
--to-function invokes the function again with each message (asynchronously, as S3 did) and
deletes the messages it handed over.

The operator's IAM permissions are listed in the README ("Operations: redrive").
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE_DAYS = 14
TERMINAL = ("SUCCEEDED", *REDRIVABLE)


@dataclass
class Plan:
    """What to do with one execution: redrive, restart or leave it, and why."""

    execution_arn: str
    name: str
    action: str  # "redrive" | "restart" | "skip"
    reason: str


def caught_failure(events: list[dict]) -> str | None:
    """The Fail state an execution ended in (events newest first), or None: redriving such an
    execution re-enters that state and fails again."""
    for event in events:
        if event["type"] == "FailStateEntered":
            return event["stateEnteredEventDetails"]["name"]
        if event["type"].endswith("StateEntered"):
            return None
    return None


def plan_execution(described: dict, newest_events: list[dict], restart: bool) -> Plan:
    arn, name = described["executionArn"], described["name"]
    if described.get("redriveStatus") == "NOT_REDRIVABLE":
        return Plan(arn, name, "skip", described.get("redriveStatusReason", "not redrivable"))
    fail_state = caught_failure(newest_events)
    if fail_state is None:
        return Plan(arn, name, "redrive", f"{described['status']}: {described.get('error', '')}")
    if restart:
        return Plan(arn, name, "restart", f"ended in the Fail state {fail_state!r}: started anew")
    return Plan(
        arn,
        name,
        "skip",
        f"ended in the Fail state {fail_state!r} after a Catch: a redrive would fail there "
        "again (use --restart to start it anew with the same input)",
    )


def rerun_name(name: str, taken: Iterable[str]) -> str:
    """<name>-rerun-<n>, the first n not taken, within the 80 characters of an execution name."""
    taken = set(taken)
    for n in range(1, 1000):
        suffix = f"-rerun-{n}"
        candidate = name[: 80 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free rerun name for {name}")


def unsuccessful(sfn, state_machine_arn: str, since: datetime.datetime) -> list[dict]:
    found = []
    for status in REDRIVABLE:
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=state_machine_arn, statusFilter=status
        )
        for page in pages:
            found += [e for e in page["executions"] if e.get("stopDate", since) >= since]
    return sorted(found, key=lambda e: e["startDate"])


def redrive_executions(sfn, args, out: Callable[[str], None]) -> int:
    now = datetime.datetime.now(datetime.UTC)
    since = now - datetime.timedelta(hours=min(args.since_hours, REDRIVABLE_DAYS * 24))
    executions = unsuccessful(sfn, args.state_machine, since)
    if args.execution:
        executions = [e for e in executions if e["executionArn"] in args.execution]
    names = [e["name"] for e in executions]
    started, failures = [], 0
    for summary in executions:
        described = sfn.describe_execution(executionArn=summary["executionArn"])
        history = sfn.get_execution_history(
            executionArn=summary["executionArn"], reverseOrder=True, maxResults=20
        )["events"]
        newest_first = sorted(history, key=lambda e: -e["id"])  # whatever order the API kept
        plan = plan_execution(described, newest_first, args.restart)
        out(f"{plan.action:8} {plan.name}: {plan.reason}")
        if args.dry_run or plan.action == "skip":
            continue
        if plan.action == "redrive":
            sfn.redrive_execution(executionArn=plan.execution_arn)
            started.append(plan.execution_arn)
        else:
            name = rerun_name(plan.name, names)
            names.append(name)
            started.append(
                sfn.start_execution(
                    stateMachineArn=args.state_machine, name=name, input=described["input"]
                )["executionArn"]
            )
    if not executions:
        out("no failed, timed-out or aborted execution in the window")
    for arn in started if args.wait else []:
        status = wait_for_execution(sfn, arn, args.wait)
        out(f"{status:8} {arn}")
        failures += status != "SUCCEEDED"
    return 1 if failures else 0


def wait_for_execution(sfn, arn: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=arn)
        status = described["status"]
        # A redriven execution has ended again only when it stopped after the redrive.
        redriven = described.get("redriveDate")
        ended = status in TERMINAL and (
            redriven is None or described.get("stopDate", redriven) > redriven
        )
        if ended or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def queue_arn_and_url(sqs, queue: str) -> tuple[str, str]:
    if queue.startswith("arn:"):
        name, account = queue.split(":")[5], queue.split(":")[4]
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    elif queue.startswith(("http://", "https://")):
        url = queue
    else:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"], url


def redrive_queue(sqs, args, out: Callable[[str], None]) -> int:
    arn, url = queue_arn_and_url(sqs, args.queue)
    waiting = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    sources = sqs.list_dead_letter_source_queues(QueueUrl=url).get("queueUrls", [])
    if args.to_function:
        out(f"{waiting} message(s) of {arn} to invoke {args.to_function} with")
        return 0 if args.dry_run else reinvoke(sqs, url, args, out)
    if not sources:
        out(
            f"{arn} is the dead-letter queue of no queue (a Lambda function's?): use "
            "--to-function NAME to invoke the function again with its messages"
        )
        return 2
    destination = args.destination or ("their source queue" if len(sources) == 1 else "sources")
    out(f"{waiting} message(s) of {arn} to move to {destination}")
    if args.dry_run:
        return 0
    request = {"SourceArn": arn}
    if args.destination:
        request["DestinationArn"] = args.destination
    if args.rate:
        request["MaxNumberOfMessagesPerSecond"] = args.rate
    handle = sqs.start_message_move_task(**request)["TaskHandle"]
    if not args.wait:
        out(f"started message move task {handle}")
        return 0
    deadline = time.monotonic() + args.wait
    while True:
        task = next(
            t
            for t in sqs.list_message_move_tasks(SourceArn=arn, MaxResults=10)["Results"]
            if t.get("TaskHandle") == handle or t["Status"] != "RUNNING"
        )
        if task["Status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    out(
        f"{task['Status']}: {task.get('ApproximateNumberOfMessagesMoved', 0)} message(s) moved"
        + (f" ({task['FailureReason']})" if task.get("FailureReason") else "")
    )
    return 0 if task["Status"] == "COMPLETED" else 1


def reinvoke(sqs, url: str, args, out: Callable[[str], None]) -> int:
    lambda_client = args.client_factory("lambda")
    handed = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            lambda_client.invoke(
                FunctionName=args.to_function, InvocationType="Event", Payload=message["Body"]
            )
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handed += 1
    out(f"{handed} message(s) handed to {args.to_function}")
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint-url", help="another endpoint, e.g. the local AWS's")
    parser.add_argument("--region", help="the region (default: the AWS configuration's)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done")
    commands = parser.add_subparsers(dest="command", required=True)

    executions = commands.add_parser("executions", help="redrive a state machine's executions")
    executions.add_argument("--state-machine", required=True, help="state machine ARN")
    executions.add_argument("--since-hours", type=float, default=REDRIVABLE_DAYS * 24)
    executions.add_argument(
        "--execution", action="append", help="only this execution ARN (repeatable)"
    )
    executions.add_argument(
        "--restart", action="store_true", help="start anew those that ended in a Fail state"
    )
    executions.add_argument("--wait", type=float, default=0, help="seconds to wait for the end")

    queue = commands.add_parser("queue", help="redrive a dead-letter queue")
    queue.add_argument("--queue", required=True, help="the dead-letter queue: URL, ARN or name")
    queue.add_argument("--destination", help="queue ARN to move to (default: the source queue)")
    queue.add_argument("--rate", type=int, help="messages a second (1-500; default: SQS's)")
    queue.add_argument("--to-function", help="for a Lambda function's DLQ: invoke it again")
    queue.add_argument("--wait", type=float, default=0, help="seconds to wait for the move")
    return parser


def main(argv: list[str] | None = None, client_factory=None, out=print) -> int:
    """`client_factory(service)` gives the clients (tests pass the local AWS's); by default
    boto3's, with --endpoint-url and --region."""
    args = parser().parse_args(argv)
    if client_factory is None:
        import boto3

        def client_factory(service: str):
            return boto3.client(service, endpoint_url=args.endpoint_url, region_name=args.region)

    args.client_factory = client_factory
    try:
        if args.command == "executions":
            return redrive_executions(client_factory("stepfunctions"), args, out)
        return redrive_queue(client_factory("sqs"), args, out)
    except Exception as exc:  # botocore's ClientError and NoCredentialsError read clearly
        out(f"redrive: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
