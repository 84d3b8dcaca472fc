"""Operations on the local AWS: service metrics, EMF, alarms that notify their SNS topics,
RedriveExecution and SQS dead-letter redrive (scripts/localaws/cloudwatch.py, redrive.py)."""

from __future__ import annotations

import datetime
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.conformance.sfn_harness import StepFunctions, machine
from tests.support.alarms import AlarmInbox
from tests.support.lambdas import create_function, invoke

ACCOUNT = "123456789012"


def poll(check, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{check.__name__} still false after {timeout}s")
        time.sleep(interval)


def queue(local_aws, name: str | None = None, **attributes) -> tuple[str, str]:
    sqs = local_aws.client("sqs")
    name = name or f"q-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def alarm_topic(local_aws) -> tuple[str, AlarmInbox]:
    """A topic CloudWatch may publish to (topic policy for cloudwatch.amazonaws.com, as the
    workflow modules write it), and an inbox subscribed to it to read the notifications."""
    sns = local_aws.client("sns")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy)
    )
    return topic, AlarmInbox(local_aws, topic)


def alarm_state(local_aws, name: str) -> str:
    alarms = local_aws.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarms[0]["StateValue"]


def test_an_alarm_crossing_its_threshold_notifies_its_topic_then_recovers(local_aws):
    cloudwatch = local_aws.client("cloudwatch")
    topic, inbox = alarm_topic(local_aws)
    name, dimensions = f"failures-{uuid.uuid4().hex[:6]}", [{"Name": "Job", "Value": "a"}]
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="Test/Ops",
        MetricName="Failures",
        Dimensions=dimensions,
        Statistic="Sum",
        Period=2,  # a short period so that the alarm recovers within the test
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
        OKActions=[topic],
    )
    poll(lambda: alarm_state(local_aws, name) == "OK")
    cloudwatch.put_metric_data(
        Namespace="Test/Ops",
        MetricData=[{"MetricName": "Failures", "Dimensions": dimensions, "Value": 1}],
    )
    alarm = poll(lambda: [n for n in inbox.take() if n["AlarmName"] == name])[0]
    assert alarm["NewStateValue"] == "ALARM"
    assert alarm["Trigger"]["MetricName"] == "Failures"
    assert alarm["Trigger"]["Dimensions"] == [{"value": "a", "name": "Job"}]
    assert alarm["AlarmActions"] == [topic]
    # The datum leaves the evaluated period: missing data is not breaching, back to OK.
    ok = poll(lambda: inbox.take())
    assert [n["NewStateValue"] for n in ok] == ["OK"]


def test_a_metric_with_other_dimensions_does_not_trip_the_alarm(local_aws):
    cloudwatch = local_aws.client("cloudwatch")
    name = f"exact-{uuid.uuid4().hex[:6]}"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="Test/Ops",
        MetricName="Exact",
        Dimensions=[{"Name": "Job", "Value": "a"}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    # CloudWatch matches a metric by its whole set of dimensions.
    extra = [{"Name": "Job", "Value": "a"}, {"Name": "Stage", "Value": "x"}]
    cloudwatch.put_metric_data(
        Namespace="Test/Ops", MetricData=[{"MetricName": "Exact", "Dimensions": extra, "Value": 5}]
    )
    time.sleep(2.5)  # two evaluations (one a second): the alarm must stay OK
    assert alarm_state(local_aws, name) == "OK"


def test_function_invocations_and_their_emf_lines_become_metrics(local_aws):
    source = (
        "import json, time\n"
        "def lambda_handler(event, context):\n"
        "    print(json.dumps({'_aws': {'Timestamp': int(time.time() * 1000),\n"
        "        'CloudWatchMetrics': [{'Namespace': 'Test/Emf', 'Dimensions': [['service']],\n"
        "        'Metrics': [{'Name': 'Parts', 'Unit': 'Count'}]}]},\n"
        "        'service': event['service'], 'Parts': [2, 3]}))\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('boom')\n"
        "    return 'ok'\n"
    )
    name = create_function(local_aws, source)
    service = f"svc-{uuid.uuid4().hex[:6]}"
    assert invoke(local_aws, name, {"service": service})[0] is None
    assert invoke(local_aws, name, {"service": service, "fail": True})[0] == "Unhandled"

    cloudwatch = local_aws.client("cloudwatch")
    now = datetime.datetime.now(datetime.UTC)
    window = {
        "StartTime": now - datetime.timedelta(minutes=5),
        "EndTime": now + datetime.timedelta(minutes=1),
        "Period": 600,
    }

    def total(namespace, metric, dimensions, stat="Sum"):
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=dimensions,
            Statistics=[stat],
            **window,
        )["Datapoints"]
        return sum(p[stat] for p in points)

    assert total("Test/Emf", "Parts", [{"Name": "service", "Value": service}]) == 10
    function = [{"Name": "FunctionName", "Value": name}]
    assert total("AWS/Lambda", "Invocations", function) == 2
    assert total("AWS/Lambda", "Errors", function) == 1
    assert total("AWS/Lambda", "Duration", function, "Maximum") > 0


# --- RedriveExecution ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


def history_names(sfn, arn: str, kind: str) -> list[str]:
    events = sfn.client.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == kind]


def test_a_redriven_execution_resumes_at_the_failed_state_with_its_input(local_aws, sfn):
    function = create_function(
        local_aws, "def lambda_handler(event, context):\n    return {'seen': event}\n"
    )
    definition = machine(
        ("Prepare", {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.prepared"}),
        (
            "Work",
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "OutputPath": "$.Payload",
            },
        ),
    )
    state_machine = sfn.create(definition)
    local_aws.inject_fault(function, count=1, error_type="Boom")
    arn = sfn.start(state_machine, {"job": "a"})
    failed = sfn.wait(arn)
    assert (failed.status, failed.error) == ("FAILED", "Boom")

    redriven = sfn.client.redrive_execution(executionArn=arn)
    assert redriven["redriveDate"]
    done = sfn.wait(arn)
    assert done.status == "SUCCEEDED"
    assert done.output == {"seen": {"job": "a", "prepared": {"n": 1}}}
    # Prepare ran once: its result was kept and Work got the same input again.
    assert history_names(sfn, arn, "PassStateEntered") == ["Prepare"]
    assert history_names(sfn, arn, "TaskStateEntered") == ["Work", "Work"]
    events = sfn.client.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert [e["type"] for e in events].count("ExecutionRedriven") == 1
    described = sfn.client.describe_execution(executionArn=arn)
    assert described["redriveCount"] == 1
    assert described["redriveStatus"] == "NOT_REDRIVABLE"

    with pytest.raises(ClientError) as refused:
        sfn.client.redrive_execution(executionArn=arn)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert "SUCCEEDED" in refused.value.response["Error"]["Message"]


def test_redrive_emits_the_redriven_metric_and_a_failed_one_before(local_aws, sfn):
    definition = machine(("Stop", {"Type": "Fail", "Error": "Always", "Cause": "test"}))
    state_machine = sfn.create(definition)
    arn = sfn.start(state_machine)
    assert sfn.wait(arn).status == "FAILED"
    sfn.client.redrive_execution(executionArn=arn)
    assert sfn.wait(arn).status == "FAILED"  # a Fail state fails again, as on AWS
    cloudwatch = local_aws.client("cloudwatch")
    now = datetime.datetime.now(datetime.UTC)
    dims = [{"Name": "StateMachineArn", "Value": state_machine}]

    def total(metric):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/States",
            MetricName=metric,
            Dimensions=dims,
            Statistics=["Sum"],
            StartTime=now - datetime.timedelta(minutes=5),
            EndTime=now + datetime.timedelta(minutes=1),
            Period=600,
        )["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert (total("ExecutionsStarted"), total("ExecutionsRedriven")) == (1, 1)
    assert total("ExecutionsFailed") == 2


# --- StartMessageMoveTask -----------------------------------------------------------------------


def dead_lettered_queue(local_aws) -> tuple[str, str, str, str]:
    """A queue whose one message went to its dead-letter queue."""
    sqs = local_aws.client("sqs")
    dlq_url, dlq_arn = queue(local_aws)
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    url, arn = queue(local_aws, RedrivePolicy=redrive, VisibilityTimeout="0")
    sqs.send_message(
        QueueUrl=url,
        MessageBody="work",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "render"}},
    )
    assert sqs.receive_message(QueueUrl=url)["Messages"]  # received once, not deleted
    assert not sqs.receive_message(QueueUrl=url).get("Messages")  # now dead-lettered
    return url, arn, dlq_url, dlq_arn


def test_message_move_task_returns_dead_letters_to_their_source_queue(local_aws):
    sqs = local_aws.client("sqs")
    url, _, dlq_url, dlq_arn = dead_lettered_queue(local_aws)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]

    def completed():
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        return tasks if tasks[0]["Status"] == "COMPLETED" else None

    task = poll(completed)[0]
    assert task["TaskHandle"] == handle
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    back = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert back[0]["Body"] == "work"
    assert back[0]["MessageAttributes"]["kind"]["StringValue"] == "render"
    assert not sqs.receive_message(QueueUrl=dlq_url).get("Messages")


def test_message_move_task_refuses_a_queue_that_is_no_dead_letter_queue(local_aws):
    sqs = local_aws.client("sqs")
    _, arn = queue(local_aws)
    with pytest.raises(ClientError) as refused:
        sqs.start_message_move_task(SourceArn=arn)
    assert "Dead Letter Queue" in refused.value.response["Error"]["Message"]


def test_message_move_task_to_a_given_destination(local_aws):
    sqs = local_aws.client("sqs")
    _, _, _, dlq_arn = dead_lettered_queue(local_aws)
    other_url, other_arn = queue(local_aws)
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=other_arn)
    poll(
        lambda: (
            sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "COMPLETED"
        )
    )
    assert sqs.receive_message(QueueUrl=other_url)["Messages"][0]["Body"] == "work"


# --- scripts/redrive.py against the local AWS ---------------------------------------------------


def run_cli(local_aws, *argv: str) -> tuple[int, list[str]]:
    import redrive

    lines: list[str] = []
    code = redrive.main(list(argv), client_factory=local_aws.client, out=lines.append)
    return code, lines


def test_cli_redrives_failed_executions_and_restarts_caught_ones(local_aws, sfn):
    function = create_function(local_aws, "def lambda_handler(event, context):\n    return 1\n")
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "ResultSelector": {"ok.$": "$.Payload"},
    }
    # The work fails uncaught when the input says so; a "caught" input ends in a Fail state.
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.caught", "IsPresent": True, "Next": "Refused"}],
                "Default": "Work",
            },
            "Work": {**task, "End": True},
            "Refused": {"Type": "Fail", "Error": "Refused"},
        },
    }
    state_machine = sfn.create(definition)
    local_aws.inject_fault(function, count=1, error_type="Boom")
    failed = sfn.start(state_machine, {"n": 1})
    caught = sfn.start(state_machine, {"caught": True})
    assert sfn.wait(failed).status == sfn.wait(caught).status == "FAILED"

    code, lines = run_cli(local_aws, "--dry-run", "executions", "--state-machine", state_machine)
    assert code == 0
    assert sorted(line.split()[0] for line in lines) == ["redrive", "skip"]

    code, lines = run_cli(
        local_aws, "executions", "--state-machine", state_machine, "--restart", "--wait", "60"
    )
    assert sfn.client.describe_execution(executionArn=failed)["status"] == "SUCCEEDED"
    rerun = [e for e in sfn.client.list_executions(stateMachineArn=state_machine)["executions"]]
    assert any(e["name"].endswith("-rerun-1") for e in rerun)
    assert code == 1  # the restarted one fails again: its input is refused by design
    assert any(line.startswith("SUCCEEDED") for line in lines)


def test_cli_moves_dead_letters_back_and_reinvokes_a_functions_dead_letters(local_aws):
    sqs = local_aws.client("sqs")
    url, _, dlq_url, _ = dead_lettered_queue(local_aws)
    code, lines = run_cli(local_aws, "queue", "--queue", dlq_url, "--wait", "30")
    assert (code, lines[-1]) == (0, "COMPLETED: 1 message(s) moved")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "work"

    # A function's own dead-letter queue has no source queue: the CLI says so, then re-invokes.
    function = create_function(local_aws, "def lambda_handler(event, context):\n    return event\n")
    lonely_url, _ = queue(local_aws)
    sqs.send_message(QueueUrl=lonely_url, MessageBody=json.dumps({"replayed": True}))
    assert run_cli(local_aws, "queue", "--queue", lonely_url)[0] == 2
    before = len(local_aws.invocations(function))
    code, lines = run_cli(local_aws, "queue", "--queue", lonely_url, "--to-function", function)
    assert (code, lines[-1]) == (0, f"1 message(s) handed to {function}")
    poll(lambda: len(local_aws.invocations(function)) == before + 1)


def test_a_failed_glue_job_run_is_an_event_that_trips_the_rules_alarm(local_aws):
    """Glue's "Glue Job State Change" event on the default bus: a rule on FAILED runs counts it
    in AWS/Events TriggeredRules, which glue-medallion's alarm watches."""
    from tests.support.iam import service_role

    topic, inbox = alarm_topic(local_aws)
    glue, events = local_aws.client("glue"), local_aws.client("events")
    job = f"job-{uuid.uuid4().hex[:8]}"
    role = service_role(local_aws, "glue.amazonaws.com", name=f"{job}-role")
    glue.create_job(
        Name=job, Role=role, Command={"Name": "glueetl", "ScriptLocation": "s3://none/x.py"}
    )
    rule = f"{job}-failures"
    pattern = {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": [job], "state": ["FAILED", "TIMEOUT", "ERROR"]},
    }
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    local_aws.client("cloudwatch").put_metric_alarm(
        AlarmName=rule,
        Namespace="AWS/Events",
        MetricName="TriggeredRules",
        Dimensions=[{"Name": "RuleName", "Value": rule}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    poll(lambda: glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] == "FAILED")
    notice = poll(lambda: [n for n in inbox.take() if n["AlarmName"] == rule])[0]
    assert notice["NewStateValue"] == "ALARM"
    assert notice["Trigger"]["Namespace"] == "AWS/Events"
