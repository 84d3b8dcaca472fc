"""Step Functions on moto: execution switched on, plus fixes to moto's executor."""

from __future__ import annotations

import copy
import datetime
import functools
import json
import re
import uuid


def install() -> None:
    from moto.core.config import default_user_config

    # moto only records executions unless told to run them.
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    _fix_start_execution()
    _fix_json_path()
    _fix_timestamps()
    _fix_aws_sdk_error_names()


def _fix_start_execution() -> None:
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    def start_execution(self, state_machine_arn, name=None, execution_input=None,
                        trace_header=None):
        # AWS names an unnamed execution with a UUID; moto used None, so every later unnamed
        # start hit the first one's idempotency check.
        name = name or str(uuid.uuid4())
        self._validate_name(name)
        execution_input = "{}" if execution_input is None else execution_input
        state_machine = self.describe_state_machine(state_machine_arn)
        state_machine._validate_execution_input(execution_input)
        # Same name: the running execution if the input is the same, else ExecutionAlreadyExists.
        existing = type(state_machine)._handle_name_input_idempotency(
            state_machine, name, execution_input
        )
        if existing is not None:
            return existing
        # moto deep-copied the state machine, its backend and every execution's worker threads
        # (which fails once one exists); a shallow snapshot keeps the definition the run uses.
        snapshot = copy.copy(state_machine)
        snapshot.executions = []
        execution = Execution(
            name=name,
            sm_type=snapshot.sm_type,
            role_arn=snapshot.roleArn,
            exec_arn=f"arn:{self.partition}:states:{self.region_name}:{self.account_id}"
            f":execution:{state_machine.name}:{name}",
            account_id=self.account_id,
            region_name=self.region_name,
            state_machine=snapshot,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            cloud_watch_logging_session=None,
            input_data=execution_input,
            trace_header=trace_header,
            activity_store={},
        )
        state_machine.executions.append(execution)
        execution.start()
        return execution

    StepFunctionsParserBackend.start_execution = start_execution


def _fix_json_path() -> None:
    import sys

    from jsonpath_ng.ext import parse
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path.extract_json
    parse = functools.lru_cache(maxsize=1024)(parse)

    def is_definite(node) -> bool:
        if isinstance(node, Child):
            return is_definite(node.left) and is_definite(node.right)
        if isinstance(node, Fields):
            return len(node.fields) == 1 and node.fields[0] != "*"
        if isinstance(node, Index):
            return len(node.indices) == 1
        return isinstance(node, Root | This)

    def extract_json(path: str, data):
        # AWS (Jayway JsonPath): a definite path yields its value, `$[0].x` included (moto gave
        # [value]); an indefinite one (wildcard, slice, filter, `..`, union) yields a list.
        expression = parse(path)
        matches = [match.value for match in expression.find(data)]
        if not is_definite(expression):
            return matches
        if not matches:
            raise json_path.NoSuchJsonPathError(json_path=path, data=data)
        return matches[0]

    json_path.extract_json = extract_json
    for module in list(sys.modules.values()):  # modules that imported the function by name
        if module and module.__name__.startswith("moto.stepfunctions.parser"):
            if getattr(module, "extract_json", None) is original:
                module.extract_json = extract_json


def aws_timestamp(value: datetime.datetime) -> str:
    """A timestamp as AWS writes it in state data: UTC ISO-8601 with a Z, like Java's Instant."""
    value = value.astimezone(datetime.UTC) if value.tzinfo else value
    spec = "seconds" if not value.microsecond else "milliseconds"
    return value.isoformat(timespec=spec).removesuffix("+00:00") + "Z"


def _json_safe(value):
    return json.loads(json.dumps(value, default=lambda o: aws_timestamp(o)
                                 if isinstance(o, datetime.datetime) else str(o)))


def _fix_timestamps() -> None:
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
    )
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    task_service = state_task_service.StateTaskService
    after_eval = task_service._after_eval_execution

    def _after_eval_execution(self, env, *args, **kwargs):
        # SDK results hold datetimes, which broke DescribeExecution; AWS puts ISO strings there.
        env.stack[-1] = _json_safe(env.stack[-1])
        return after_eval(self, env, *args, **kwargs)

    task_service._after_eval_execution = _after_eval_execution

    get_environment = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self):
        # $$.Execution.StartTime was a datetime (same failure); AWS gives "...T20:14:13.192Z".
        env = get_environment(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = aws_timestamp(execution["StartTime"])
        return env

    ExecutionWorker._get_evaluation_environment = _get_evaluation_environment

    def state_data(**fields):
        # $$.State.EnteredTime in the same format as StartTime (moto: "+00:00", microseconds).
        entered = datetime.datetime.fromisoformat(fields["EnteredTime"])
        return {**fields, "EnteredTime": aws_timestamp(entered)}

    state.StateData = state_data


def service_error_prefix(sfn_service: str) -> str:
    """`S3`, `DynamoDb`, `Sfn`, `AcmPca`: how AWS names a service in aws-sdk error names."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    boto_name = {"sfn": "stepfunctions", "states": "stepfunctions"}.get(sfn_service, sfn_service)
    try:
        service_id = botocore.session.get_session().get_service_model(boto_name).service_id
    except UnknownServiceError:
        return sfn_service[:1].upper() + sfn_service[1:]
    words = re.split(r"[\s-]+", str(service_id))
    # PascalCase as in the Java SDK's client names: "SFN" -> "Sfn", "DynamoDB" -> "DynamoDb".
    return "".join(
        w.capitalize() if w.isupper() else re.sub(r"[A-Z]{2,}$", lambda m: m[0].capitalize(), w)
        for w in words
    )


def _fix_aws_sdk_error_names() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    # moto named errors after the lower-case ARN service ("s3.NoSuchKeyException"); AWS uses
    # PascalCase ("S3.NoSuchKeyException"), so Retry/Catch on the documented names never matched.
    aws_sdk.StateTaskServiceAwsSdk._normalise_service_error_name = staticmethod(
        functools.cache(service_error_prefix)
    )
