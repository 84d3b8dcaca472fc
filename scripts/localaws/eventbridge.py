"""EventBridge rules as AWS runs them, and S3's events to EventBridge.

moto matches a rule's pattern but then delivers only to logs, archives, SQS and other buses,
inside the request that sent the event, ignoring the rule's state, InputPath, a target's role,
its retry policy and dead-letter queue; and S3 sends moto's own event shape to every rule of
every bus. Here:

- a bucket with EventBridge enabled sends "Object Created"/"Object Deleted" events shaped as the
  S3 User Guide's "EventBridge event message structure" to the default bus of its Region;
- an enabled rule whose pattern matches (moto's matcher: prefix, suffix, wildcard, anything-but,
  numeric, exists, ...) delivers to each target in the background, with `Input`, `InputPath` or
  `InputTransformer` ("Amazon EventBridge input transformation");
- Lambda, SQS (and a dead-letter queue) are authorized by their resource policies for
  events.amazonaws.com with the rule as aws:SourceArn, Step Functions by the target's role: its
  trust policy must let events.amazonaws.com assume it and its policies allow
  states:StartExecution ("Using resource-based policies for Amazon EventBridge", "Using
  identity-based policies for Amazon EventBridge");
- a failed delivery is retried under the target's RetryPolicy (a missing permission or target
  is not: "Using dead-letter queues to process undelivered events"), then sent to its
  dead-letter queue with RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE,
  EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS attributes.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote_plus

from botocore.exceptions import ClientError
from moto.awslambda.models import lambda_backends
from moto.sqs.models import sqs_backends

from . import authorization, cloudwatch
from .lambda_service import LambdaService, arn_parts
from .moto_internals import replace
from .sqs import customer_managed_key

log = logging.getLogger("localaws.eventbridge")

EVENTS = "events.amazonaws.com"
# RetryPolicy defaults (PutTargets, EventBridge API Reference): 185 attempts over 24 hours.
DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_EVENT_AGE = 86400
# AWS backs off exponentially with jitter over minutes; locally the retries come quicker.
RETRY_FIRST_DELAY, RETRY_MAX_DELAY = 0.5, 8.0

# S3 events whose "reason" the S3 User Guide documents ("Event message detail field").
S3_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
}


class DeliveryFailed(Exception):
    """A target could not be given the event; `retriable` as EventBridge decides."""

    def __init__(self, code: str, message: str, retriable: bool = True) -> None:
        super().__init__(message)
        self.code, self.retriable = code, retriable


# --- input of a target ------------------------------------------------------------------------

_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']+)'\]")


def json_path(document, path: str):
    """The value at an EventBridge JSON path (dot notation, array indices), or KeyError."""
    if path == "$":
        return document
    if not path.startswith("$"):
        raise KeyError(path)
    position, value = 1, document
    while position < len(path):
        step = _PATH_STEP.match(path, position)
        if not step:
            raise KeyError(path)
        name, index, quoted = step.groups()
        value = value[int(index)] if index is not None else value[name or quoted]
        position = step.end()
    return value


def _string_spans(template: str) -> list[tuple[int, int]]:
    """Where the template's JSON string literals are (between unescaped double quotes)."""
    spans, start, escaped = [], None, False
    for position, char in enumerate(template):
        if start is not None and escaped:
            escaped = False
        elif start is not None and char == "\\":
            escaped = True
        elif char == '"':
            if start is None:
                start = position
            else:
                spans.append((start, position))
                start = None
    return spans


def transform(transformer: dict, event: dict, rule_arn: str, rule_name: str) -> str:
    """InputTransformer: each <variable> of InputTemplate replaced by its InputPathsMap value,
    inside a JSON string as the bare (escaped) text, elsewhere as JSON; a path the event lacks
    gives null (or nothing inside a string)."""
    values = {}
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        try:
            values[name] = json_path(event, path)
        except (KeyError, IndexError, TypeError):
            values[name] = None
    values["aws.events.rule-arn"] = rule_arn
    values["aws.events.rule-name"] = rule_name
    values["aws.events.event.ingestion-time"] = event["time"]
    values["aws.events.event"] = {k: v for k, v in event.items() if k != "detail"}
    values["aws.events.event.json"] = event
    template = transformer["InputTemplate"]
    spans = _string_spans(template)

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        in_string = any(start < match.start() < end for start, end in spans)
        if not in_string:
            return json.dumps(value)
        if value is None:
            return ""
        text = value if isinstance(value, str) else json.dumps(value)
        return json.dumps(text)[1:-1]

    return re.sub(r"<([A-Za-z0-9_.\-]+)>", substitute, template)


def target_input(target: dict, event: dict, rule_arn: str, rule_name: str) -> str:
    """What the target receives: Input, InputPath, InputTransformer, or the whole event."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        try:
            return json.dumps(json_path(event, target["InputPath"]))
        except (KeyError, IndexError, TypeError):
            return "null"
    if target.get("InputTransformer"):
        return transform(target["InputTransformer"], event, rule_arn, rule_name)
    return json.dumps(event)


# --- delivery ---------------------------------------------------------------------------------


@dataclass
class Delivery:
    rule_arn: str
    rule_name: str
    account: str
    region: str
    target: dict
    event: dict
    received: float
    attempts: int = 0


class EventBridge:
    """Delivers matched events to targets in the background, as EventBridge does."""

    def __init__(self, service: LambdaService, endpoint: str, workers: int = 8) -> None:
        self.lambda_service = service
        self.endpoint = endpoint
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="eventbridge")
        self._target_types: dict[str, Callable[[Delivery, str], None]] = {}

    def add_target_type(self, service: str, deliver: Callable[[Delivery, str], None]) -> None:
        """Targets of another service (its ARN's service part), delivered by `deliver`, which
        raises DeliveryFailed to have the event retried or dead-lettered."""
        self._target_types[service] = deliver

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def install(self) -> None:
        bridge = self

        def send_to_targets(rule, original_event, transform_input=True):
            event = aws_event(original_event)
            # A scheduled rule has no pattern: moto's empty pattern would match every event.
            pattern = rule.event_pattern
            if (
                rule.state != "ENABLED"
                or not pattern.get_pattern()
                or not pattern.matches_event(event)
            ):
                return
            for target in list(rule.targets):
                service = arn_parts(target["Arn"])[0]
                if service in ("lambda", "states", "sqs", *bridge._target_types):
                    delivery = Delivery(
                        rule.arn, rule.name, rule.account_id, rule.region_name,
                        copy.deepcopy(target), event, time.monotonic(),
                    )  # fmt: skip
                    bridge._pool.submit(bridge._attempt, delivery)
                else:  # logs, archives, buses, API destinations: as moto delivers them
                    single = copy.copy(rule)
                    single.targets = [target]
                    original_send(single, original_event, transform_input)

        def send_s3_event(account_id, bucket, event_name, key):
            detail_type = s3_detail_type(event_name)
            if detail_type is None:
                return
            cloudwatch.service_event(
                account_id, bucket.region_name, "aws.s3", detail_type,
                s3_detail(account_id, bucket, event_name, key), resources=[bucket.arn],
            )  # fmt: skip

        original_send = replace("Rule.send_to_targets", send_to_targets)
        replace("moto.s3.notifications._send_event_bridge_message", send_s3_event)

    # --- one attempt, retries, dead letters ---------------------------------------------------

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        target = delivery.target
        try:
            payload = target_input(target, delivery.event, delivery.rule_arn, delivery.rule_name)
            self._deliver(delivery, payload)
        except DeliveryFailed as failed:
            self._metric(delivery, "FailedInvocations")
            policy = target.get("RetryPolicy") or {}
            retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
            max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE))
            delay = min(RETRY_FIRST_DELAY * 2 ** (delivery.attempts - 1), RETRY_MAX_DELAY)
            age = time.monotonic() - delivery.received + delay
            if failed.retriable and delivery.attempts <= retries and age <= max_age:
                timer = threading.Timer(delay, self._pool.submit, (self._attempt, delivery))
                timer.daemon = True
                timer.start()
                return
            exhausted = (
                "MaximumEventAgeInSeconds"
                if failed.retriable and delivery.attempts <= retries
                else "MaximumRetryAttempts"
            )
            log.warning(
                "rule %s could not deliver to %s: %s", delivery.rule_name, target["Arn"], failed
            )
            self._dead_letter(delivery, failed, exhausted if failed.retriable else None)
        except Exception:
            log.exception("rule %s: delivery to %s broke", delivery.rule_name, target["Arn"])
        else:
            self._metric(delivery, "Invocations")

    def _metric(self, delivery: Delivery, name: str) -> None:
        dimensions = {"RuleName": delivery.rule_name}
        cloudwatch.put(delivery.account, delivery.region, "AWS/Events", name, dimensions, 1)

    def _deliver(self, delivery: Delivery, payload: str) -> None:
        arn = delivery.target["Arn"]
        service = arn_parts(arn)[0]
        if service in self._target_types:
            self._target_types[service](delivery, payload)
        elif service == "lambda":
            self._to_lambda(delivery, arn, payload)
        elif service == "sqs":
            self._to_queue(delivery, arn, payload, delivery.target.get("SqsParameters") or {})
        else:
            self._to_state_machine(delivery, arn, payload)

    def _service_may(self, delivery: Delivery, action: str, resource: str) -> bool:
        return authorization.service_may(
            EVENTS, action, resource, delivery.region,
            SourceArn=delivery.rule_arn, SourceAccount=delivery.account,
        )  # fmt: skip

    def _to_lambda(self, delivery: Delivery, arn: str, payload: str) -> None:
        _, region, account, _ = arn_parts(arn)
        try:
            fn = lambda_backends[account][region].get_function(arn)
        except Exception:
            message = f"Function {arn} does not exist"
            raise DeliveryFailed("RESOURCE_NOT_FOUND", message, False) from None
        if not self._service_may(delivery, "lambda:InvokeFunction", fn.function_arn):
            raise DeliveryFailed(
                "NO_PERMISSIONS",
                f"The function's resource-based policy does not let {EVENTS} invoke {arn}",
                False,
            )
        self.lambda_service.invoke_async(fn, payload)  # EventBridge invokes asynchronously

    def _to_queue(self, delivery: Delivery, arn: str, payload: str, params: dict, **attrs) -> None:
        _, region, account, name = arn_parts(arn)
        backend = sqs_backends[account][region]
        queue = backend.queues.get(name)
        if queue is None:
            raise DeliveryFailed("RESOURCE_NOT_FOUND", f"Queue {arn} does not exist", False)
        needs = [("sqs:SendMessage", arn)]
        key = customer_managed_key(queue, region)
        needs += [(action, key) for action in ("kms:GenerateDataKey", "kms:Decrypt") if key]
        for action, resource in needs:
            if not self._service_may(delivery, action, resource):
                raise DeliveryFailed(
                    "NO_PERMISSIONS", f"{EVENTS} may not {action} on {resource}", False
                )
        backend.send_message(name, payload, group_id=params.get("MessageGroupId"), **attrs)

    def _to_state_machine(self, delivery: Delivery, arn: str, payload: str) -> None:
        role = delivery.target.get("RoleArn")
        if not role:
            raise DeliveryFailed("NO_PERMISSIONS", f"No role to start {arn} with", False)
        trusted = self._service_may(delivery, "sts:AssumeRole", role)
        if not trusted:
            raise DeliveryFailed("NO_PERMISSIONS", f"{EVENTS} may not assume {role}", False)
        sfn = authorization.session_client(
            "stepfunctions", self.endpoint, delivery.region, role, delivery.rule_name
        )
        try:
            sfn.start_execution(stateMachineArn=arn, name=str(uuid.uuid4()), input=payload)
        except sfn.exceptions.StateMachineDoesNotExist as exc:
            raise DeliveryFailed("RESOURCE_NOT_FOUND", str(exc), False) from None
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("AccessDeniedException", "AccessDenied"):
                raise DeliveryFailed("NO_PERMISSIONS", str(exc), False) from None
            raise DeliveryFailed(code, str(exc)) from None

    def _dead_letter(self, delivery: Delivery, failed: DeliveryFailed, exhausted) -> None:
        dead_letter = (delivery.target.get("DeadLetterConfig") or {}).get("Arn")
        if not dead_letter:
            return
        attributes = {
            "RULE_ARN": delivery.rule_arn,
            "TARGET_ARN": delivery.target["Arn"],
            "ERROR_CODE": failed.code,
            "ERROR_MESSAGE": str(failed)[:1000],
            "RETRY_ATTEMPTS": str(delivery.attempts - 1),
        }
        if exhausted:
            attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
        message_attributes = {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        }
        try:
            self._to_queue(
                delivery, dead_letter, json.dumps(delivery.event), {},
                message_attributes=message_attributes,
            )  # fmt: skip
        except DeliveryFailed as lost:
            self._metric(delivery, "InvocationsFailedToBeSentToDLQ")
            log.warning("rule %s: the dead letter is lost: %s", delivery.rule_name, lost)
            return
        self._metric(delivery, "InvocationsSentToDLQ")


# --- events -----------------------------------------------------------------------------------


def aws_event(event: dict) -> dict:
    """An event as targets see it: `time` an ISO 8601 string (moto keeps a Unix time), no
    moto-internal fields."""
    shaped = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(shaped.get("time"), (int, float)):
        moment = datetime.datetime.fromtimestamp(shaped["time"], datetime.UTC)
        shaped["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return shaped


def s3_detail_type(event_name: str) -> str | None:
    if event_name.startswith("s3:ObjectCreated:"):
        return "Object Created"
    if event_name.startswith("s3:ObjectRemoved:"):
        return "Object Deleted"
    return None  # the other S3 event types are not sent locally


def s3_detail(account: str, bucket, event_name: str, key) -> dict:
    """The detail of an S3 event to EventBridge. The key is URL-encoded as in S3 notifications
    (Powertools' S3EventBridgeNotificationObject decodes it too); "/" is left as it is, which
    is what lets a rule match a key prefix such as "incoming/"."""
    from .s3 import current_sequencer

    obj = {"key": quote_plus(key.name, safe="/")}
    if event_name.startswith("s3:ObjectCreated:"):
        obj.update(size=key.size, etag=key.etag.strip('"'))
    if bucket.is_versioned:
        obj["version-id"] = key.version_id
    sequencer = current_sequencer()
    if sequencer:
        obj["sequencer"] = sequencer
    detail = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account,
        "source-ip-address": "127.0.0.1",
        "reason": S3_REASONS.get(event_name, event_name.split(":")[-1]),
    }
    if event_name.startswith("s3:ObjectRemoved:"):
        marker = event_name.endswith("DeleteMarkerCreated")
        detail["deletion-type"] = "Delete Marker Created" if marker else "Permanently Deleted"
    return detail
