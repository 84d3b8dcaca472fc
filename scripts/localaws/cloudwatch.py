"""CloudWatch metrics and alarms as the workflows' operations need them.

moto stores metric data and alarms but emits no service metrics, reads no embedded metric format
(EMF) log lines and never evaluates an alarm. Here: AWS/States, AWS/Lambda and AWS/SQS metrics for
executions, invocations and queues; EMF lines of the functions' logs become metrics (what
CloudWatch Logs does for Lambda); and every metric alarm (not metric math) is evaluated each
second, its state changes published to the SNS topics of its actions as CloudWatch does.

Divergence: AWS evaluates periods aligned to the clock once the period's data is in (a minute or
more after the fact); here the N periods end at the evaluation, so an alarm reacts within a second.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger("localaws.cloudwatch")

EVALUATION_INTERVAL = 1.0  # seconds between alarm evaluations and queue samples

# Region names as CloudWatch writes them in notification subjects ("ALARM: ... in US East ...").
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
}

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)  # moto keeps naive UTC


# --- metrics ------------------------------------------------------------------------------------


def put(
    account: str,
    region: str,
    namespace: str,
    name: str,
    dimensions: dict[str, str],
    value: float,
    unit: str = "None",
    timestamp: datetime.datetime | None = None,
) -> None:
    """One datum into moto's CloudWatch, as PutMetricData stores it."""
    from moto.cloudwatch.models import cloudwatch_backends

    datum = {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Value": value,
        "Unit": unit,
        "Timestamp": timestamp or _now(),
    }
    cloudwatch_backends[account][region].put_metric_data(namespace, [datum])


def emf_metrics(line: str) -> list[dict]:
    """The metrics of one log line in CloudWatch's embedded metric format ("Specification:
    Embedded metric format", CloudWatch User Guide): a JSON object whose `_aws.CloudWatchMetrics`
    directives name the namespace, the dimension sets and the metrics, whose values (a number or
    a list of numbers) and dimension values are members of the object. A line that is not EMF, or
    a directive that does not follow the specification, gives nothing (CloudWatch keeps the line
    as a log event only)."""
    line = line.strip()
    if not line.startswith("{") or '"_aws"' not in line:
        return []
    try:
        document = json.loads(line)
        meta = document["_aws"]
        stamp = datetime.datetime.fromtimestamp(meta["Timestamp"] / 1000, tz=datetime.UTC)
        directives = meta["CloudWatchMetrics"]
    except (ValueError, KeyError, TypeError):
        return []
    found = []
    for directive in directives if isinstance(directives, list) else []:
        namespace = directive.get("Namespace") if isinstance(directive, dict) else None
        if not isinstance(namespace, str) or not namespace:
            continue
        dimension_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name") if isinstance(metric, dict) else None
            values = document.get(name)
            values = values if isinstance(values, list) else [values]
            if not name or not all(_is_number(v) for v in values):
                continue
            for names in dimension_sets:
                if not all(isinstance(document.get(n), str) for n in names):
                    continue  # a dimension without a string value: the directive is invalid
                found.append(
                    {
                        "Namespace": namespace,
                        "MetricName": name,
                        "Dimensions": {n: document[n] for n in names},
                        "Values": [float(v) for v in values],
                        "Unit": metric.get("Unit", "None"),
                        "Timestamp": stamp.replace(tzinfo=None),
                    }
                )
    return found


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def put_emf(account: str, region: str, logs: str) -> int:
    """Every EMF metric in a function's log output into CloudWatch; how many data."""
    count = 0
    for line in logs.splitlines():
        for metric in emf_metrics(line):
            for value in metric["Values"]:
                put(
                    account,
                    region,
                    metric["Namespace"],
                    metric["MetricName"],
                    metric["Dimensions"],
                    value,
                    metric["Unit"],
                    metric["Timestamp"],
                )
                count += 1
    return count


def lambda_invoked(fn, error_type: str | None, duration_ms: float, logs: str) -> None:
    """AWS/Lambda Invocations, Errors and Duration by FunctionName, and the EMF in its logs."""
    account, region = fn.account_id, fn.region
    dimensions = {"FunctionName": fn.function_name}
    put(account, region, "AWS/Lambda", "Invocations", dimensions, 1, "Count")
    put(account, region, "AWS/Lambda", "Errors", dimensions, 1 if error_type else 0, "Count")
    put(account, region, "AWS/Lambda", "Duration", dimensions, duration_ms, "Milliseconds")
    put_emf(account, region, logs)


def lambda_throttled(fn) -> None:
    """AWS/Lambda Throttles: an invocation refused past the function's reserved concurrency."""
    dimensions = {"FunctionName": fn.function_name}
    put(fn.account_id, fn.region, "AWS/Lambda", "Throttles", dimensions, 1, "Count")


def _execution_dimensions(execution) -> tuple[str, str, dict[str, str]]:
    arn = getattr(execution.state_machine, "source_arn", None) or execution.state_machine.arn
    return execution.account_id, execution.region_name, {"StateMachineArn": arn}


def execution_started(execution, redriven: bool = False) -> None:
    account, region, dimensions = _execution_dimensions(execution)
    name = "ExecutionsRedriven" if redriven else "ExecutionsStarted"
    put(account, region, "AWS/States", name, dimensions, 1, "Count")


# AWS/States metrics by the status an execution ends with ("Metrics that report a count").
ENDED_METRICS = {
    "SUCCEEDED": "ExecutionsSucceeded",
    "FAILED": "ExecutionsFailed",
    "TIMED_OUT": "ExecutionsTimedOut",
    "ABORTED": "ExecutionsAborted",
}


def execution_ended(execution) -> None:
    status = getattr(execution.exec_status, "value", execution.exec_status)
    if status not in ENDED_METRICS:
        return
    account, region, dimensions = _execution_dimensions(execution)
    put(account, region, "AWS/States", ENDED_METRICS[status], dimensions, 1, "Count")
    started = getattr(execution, "redrive_date", None) or execution.start_date
    elapsed = (execution.stop_date - started).total_seconds() * 1000
    put(account, region, "AWS/States", "ExecutionTime", dimensions, elapsed, "Milliseconds")


def sample_queues(account: str, region: str, names: Iterable[str]) -> None:
    """AWS/SQS ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage (seconds) by
    QueueName, as SQS reports them (every minute on AWS; here at each evaluation, for the queues
    that alarms watch, so that the data kept stays small)."""
    from moto.sqs.models import sqs_backends

    now = _now()
    queues = sqs_backends[account][region].queues
    for name in names:
        queue = queues.get(name)
        if queue is None:
            continue
        messages = list(queue._messages)
        visible = sum(1 for m in messages if m.visible)
        sent = [m.sent_timestamp for m in messages if m.sent_timestamp]
        age = max(0.0, now.timestamp() - min(sent) / 1000) if sent else 0.0
        dimensions = {"QueueName": name}
        put(
            account,
            region,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            dimensions,
            visible,
            "Count",
            now,
        )
        put(
            account,
            region,
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            dimensions,
            round(age),
            "Seconds",
            now,
        )


# --- alarm evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmSpec:
    """What evaluating a metric alarm reads ("Alarm evaluation", CloudWatch User Guide)."""

    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float
    comparison: str
    treat_missing_data: str | None


def statistic(name: str, values: list[float]) -> float:
    if name == "Sum":
        return sum(values)
    if name == "Average":
        return sum(values) / len(values)
    if name == "Minimum":
        return min(values)
    if name == "Maximum":
        return max(values)
    if name == "SampleCount":
        return float(len(values))
    raise ValueError(f"statistic {name!r} is not evaluated by the local AWS")


def evaluate(
    spec: AlarmSpec,
    data: Iterable[tuple[datetime.datetime, float]],
    now: datetime.datetime,
    state: str,
) -> tuple[str, str, dict]:
    """The alarm's state after this evaluation, its reason and reason data.

    The last `evaluation_periods` periods ending now each give the statistic of their data, or
    are missing. Missing periods count as TreatMissingData says: `breaching` or `notBreaching`;
    `ignore` keeps the current state when all are missing; `missing` (the default) gives
    INSUFFICIENT_DATA when all are missing. ALARM when at least `datapoints_to_alarm` (default:
    all N) of the periods breach, else OK."""
    compare, words = COMPARISONS[spec.comparison]
    period = datetime.timedelta(seconds=spec.period)
    start = now - period * spec.evaluation_periods
    buckets: list[list[float]] = [[] for _ in range(spec.evaluation_periods)]
    for stamp, value in data:
        if start < stamp <= now:
            index = min(int((stamp - start) / period), spec.evaluation_periods - 1)
            buckets[index].append(value)
    points = [statistic(spec.statistic, b) if b else None for b in buckets]
    present = [(i, v) for i, v in enumerate(points) if v is not None]
    treat = spec.treat_missing_data or "missing"
    needed = spec.datapoints_to_alarm or spec.evaluation_periods
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return state, "", {}
        return (
            "INSUFFICIENT_DATA",
            f"Insufficient Data: {spec.evaluation_periods} datapoints were unknown.",
            {"version": "1.0", "queryDate": now.isoformat(), "recentDatapoints": []},
        )
    breaching = [v for _, v in present if compare(v, spec.threshold)]
    missing = spec.evaluation_periods - len(present)
    count = len(breaching) + (missing if treat == "breaching" else 0)
    new_state = "ALARM" if count >= needed else "OK"
    shown = [v for _, v in present]
    what = "datapoint" if len(shown) == 1 else "datapoints"
    reason = (
        f"Threshold Crossed: {len(shown)} {what} {shown} was "
        f"{'' if new_state == 'ALARM' else 'not '}{words} the threshold ({spec.threshold})."
    )
    reason_data = {
        "version": "1.0",
        "queryDate": now.isoformat(),
        "statistic": spec.statistic,
        "period": spec.period,
        "recentDatapoints": shown,
        "threshold": spec.threshold,
    }
    return new_state, reason, reason_data


def _spec(alarm) -> AlarmSpec | None:
    if alarm.metric_data_queries or not alarm.metric_name or alarm.extended_statistic:
        return None  # metric math and percentiles are not evaluated locally
    if alarm.comparison_operator not in COMPARISONS or alarm.statistic is None:
        return None
    return AlarmSpec(
        statistic=alarm.statistic,
        period=int(alarm.period),
        evaluation_periods=int(alarm.evaluation_periods),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm) if alarm.datapoints_to_alarm else None,
        threshold=float(alarm.threshold),
        comparison=alarm.comparison_operator,
        treat_missing_data=alarm.treat_missing_data,
    )


def _metric_key(namespace: str, name: str, dimensions) -> tuple:
    # CloudWatch matches a metric by its exact set of dimensions.
    return namespace, name, frozenset((d.name, d.value) for d in dimensions)


def notification(alarm, account: str, old_state: str, spec: AlarmSpec) -> dict:
    """The JSON CloudWatch publishes for an alarm's state change ("Amazon SNS notifications of
    alarms", CloudWatch User Guide)."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.isoformat(),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": alarm.state_updated_timestamp.isoformat(),
        "Region": REGION_NAMES.get(alarm.region_name, alarm.region_name),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": spec.statistic.upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": spec.period,
            "EvaluationPeriods": spec.evaluation_periods,
            "DatapointsToAlarm": spec.datapoints_to_alarm or spec.evaluation_periods,
            "ComparisonOperator": spec.comparison,
            "Threshold": spec.threshold,
            "TreatMissingData": spec.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }


def may_publish(alarm_arn: str, topic_arn: str) -> bool:
    """CloudWatch publishes as cloudwatch.amazonaws.com: the topic policy must allow it
    sns:Publish and, for a topic encrypted with a customer managed key, the key policy must allow
    it kms:GenerateDataKey* and kms:Decrypt (SNS developer guide, "Enable compatibility between
    event sources from AWS services and encrypted topics"). The AWS managed key of SNS allows no
    service principal, so alarms cannot notify a topic encrypted with it."""
    from moto.sns.models import sns_backends

    from . import authorization

    _, _, _, region, account, _ = topic_arn.split(":")
    topic = sns_backends[account][region].topics.get(topic_arn)
    if topic is None:
        return False
    context = {"SourceArn": alarm_arn, "SourceAccount": account}
    needs = [("sns:Publish", topic_arn)]
    key_id = topic.kms_master_key_id
    if key_id:
        key = _customer_managed_key(key_id, account, region)
        if key is None:
            log.warning("alarm %s cannot publish to %s: its key is AWS managed", alarm_arn, topic)
            return False
        needs += [(action, key) for action in ("kms:GenerateDataKey", "kms:Decrypt")]
    return all(
        authorization.service_may("cloudwatch.amazonaws.com", action, resource, region, **context)
        for action, resource in needs
    )


def _customer_managed_key(key_id: str, account: str, region: str) -> str | None:
    from moto.kms.models import kms_backends

    if key_id.endswith("alias/aws/sns"):
        return None
    try:
        key = kms_backends[account][region].describe_key(key_id)
    except Exception:
        return None
    return None if getattr(key, "key_manager", "CUSTOMER") == "AWS" else key.arn


class AlarmEvaluator:
    """Evaluates every metric alarm each interval, sampling the queues they watch first."""

    def __init__(self, interval: float = EVALUATION_INTERVAL) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cloudwatch-alarms", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.evaluate_all()
            except Exception:
                log.exception("evaluating alarms failed")

    def evaluate_all(self, now: datetime.datetime | None = None) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        now = now or _now()
        for account in list(cloudwatch_backends.keys()):
            for region in list(cloudwatch_backends[account].keys()):
                backend = cloudwatch_backends[account][region]
                alarms = [(a, _spec(a)) for a in list(backend.alarms.values())]
                alarms = [(a, s) for a, s in alarms if s is not None]
                if not alarms:
                    continue
                watched = {
                    d.value
                    for alarm, _ in alarms
                    if alarm.namespace == "AWS/SQS"
                    for d in alarm.dimensions
                    if d.name == "QueueName"
                }
                sample_queues(account, region, watched)
                lookback = max(s.period * s.evaluation_periods for _, s in alarms)
                data = _recent_data(backend.metric_data, now, lookback)
                for alarm, spec in alarms:
                    key = _metric_key(alarm.namespace, alarm.metric_name, alarm.dimensions)
                    self._evaluate(alarm, spec, data.get(key, []), now, account)

    def _evaluate(self, alarm, spec: AlarmSpec, data, now, account: str) -> None:
        old = alarm.state_value
        state, reason, reason_data = evaluate(spec, data, now, old)
        if state == old and alarm.state_reason != "Unchecked: Initial alarm creation":
            return
        alarm.update_state(reason, json.dumps(reason_data), state)
        if state == old:
            return
        log.info("alarm %s: %s -> %s (%s)", alarm.name, old, state, reason)
        targets = {
            "ALARM": alarm.alarm_actions,
            "OK": alarm.ok_actions,
            "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
        }[state]
        if alarm.actions_enabled:
            for target in targets or []:
                self._notify(alarm, target, account, old, spec)

    @staticmethod
    def _notify(alarm, target: str, account: str, old: str, spec: AlarmSpec) -> None:
        if ":sns:" not in target:
            log.warning("alarm action %s is not an SNS topic: not run locally", target)
            return
        if not may_publish(alarm.alarm_arn, target):
            log.warning("alarm %s may not publish to %s", alarm.name, target)
            return
        from moto.sns.models import sns_backends

        region = target.split(":")[3]
        subject = f'{alarm.state_value}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'
        message = json.dumps(notification(alarm, account, old, spec))
        sns_backends[account][region].publish(message, arn=target, subject=subject[:100])


def _recent_data(metric_data: list, now: datetime.datetime, lookback: int) -> dict:
    """Data of the last `lookback` seconds by metric key. Data are appended as they arrive, so
    the scan stops at the first datum well before the window (EMF timestamps may lag a little)."""
    since = now - datetime.timedelta(seconds=lookback + 60)
    found: dict[tuple, list] = defaultdict(list)
    for datum in reversed(list(metric_data)):
        if datum.timestamp < since:
            break
        key = _metric_key(datum.namespace, datum.name, datum.dimensions)
        if hasattr(datum, "value"):
            found[key].append((datum.timestamp, datum.value))
        elif datum.sample_count:  # StatisticValues: its mean, sample-count times (Sum, Average
            # and SampleCount come out right; Minimum and Maximum as the mean)
            mean = datum.sum / datum.sample_count
            found[key].extend([(datum.timestamp, mean)] * int(datum.sample_count))
    return found


# --- EventBridge: events of AWS services on the default bus -----------------------------------


def service_event(
    account: str,
    region: str,
    source: str,
    detail_type: str,
    detail: dict,
    resources: list[str] | None = None,
) -> int:
    """An event an AWS service sends to the default event bus (e.g. aws.glue "Glue Job State
    Change"): each enabled rule it matches counts it in AWS/Events TriggeredRules and
    MatchedEvents by RuleName ("Monitoring Amazon EventBridge") and gets it to its targets (as
    far as moto delivers them). Returns how many rules matched."""
    from moto.events.models import events_backends

    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": resources or [],
        "detail": detail,
    }
    bus = events_backends[account][region].event_buses.get("default")
    matched = 0
    for rule in list(bus.rules.values()) if bus else []:
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        matched += 1
        for metric in ("TriggeredRules", "MatchedEvents"):
            put(account, region, "AWS/Events", metric, {"RuleName": rule.name}, 1, "Count")
        try:
            rule.send_to_targets(event)
        except Exception:  # a target moto cannot deliver to: the rule still matched
            log.warning("event rule %s could not deliver to its targets", rule.name)
    return matched
