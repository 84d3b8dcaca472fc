"""Step Functions on moto: execution switched on, plus fixes to moto's executor."""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import random
import re
import time
import uuid

from . import cloudwatch
from .moto_internals import add, in_place, replace


def install() -> None:
    # moto only records executions unless told to run them.
    in_place("default_user_config")["stepfunctions"]["execute_state_machine"] = True
    _fix_start_execution()
    _fix_json_path()
    _fix_timestamps()
    _fix_execution_output()
    _fix_no_choice_matched()
    _fix_runtime_errors()
    _fix_sync_without_task_token()
    _fix_states_errors_of_branches()
    _fix_aws_sdk_error_names()
    _fix_parser_error_codes()
    _fix_payload_quota()
    _serve_definition_validation()
    _serve_list_state_machine_versions()
    _enable_jsonata()
    _call_tasks_with_the_role()


def _call_tasks_with_the_role() -> None:
    """Tasks call other services with a session of the state machine's role (or the state's
    `Credentials`), as Step Functions does; moto signs them with fixed keys, which IAM would
    take for the deployer's."""
    import boto3
    from botocore.config import Config
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.utils.boto_client import TimeoutSeconds

    from . import authorization

    def boto_client_for(region: str, service: str, state_credentials=None):
        role_arn = getattr(state_credentials, "role_arn", None)
        if authorization.AUTHORIZER is None or not role_arn:
            return original(region, service, state_credentials)
        keys = authorization.AUTHORIZER.session_credentials(role_arn, "StepFunctions")
        timeout = TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=f"http://localhost:{moto_server_port()}",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=timeout,
                read_timeout=timeout,
            ),
        )

    original = replace("boto_client.boto_client_for", boto_client_for, imported_by_name=True)


def _fix_start_execution() -> None:
    from moto.stepfunctions.exceptions import ValidationException
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser.backend.execution import Execution

    def start_execution(
        self, state_machine_arn, name=None, execution_input=None, trace_header=None
    ):
        # AWS names an unnamed execution with a UUID; moto used None, so every later unnamed
        # start hit the first one's idempotency check.
        name = name or str(uuid.uuid4())
        self._validate_name(name)
        execution_input = "{}" if execution_input is None else execution_input
        if len(execution_input.encode("utf-8")) > MAX_PAYLOAD_BYTES:  # checked before the ARN
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint:"
                f" Member must have size less than or equal to {MAX_PAYLOAD_BYTES} bytes in"
                " UTF-8 encoding"
            )
        state_machine = self.describe_state_machine(state_machine_arn)  # or one of its versions
        # Runs of a version are listed (and found by DescribeExecution) under the state machine.
        root = self.describe_state_machine(getattr(state_machine, "source_arn", state_machine.arn))
        StateMachine._validate_execution_input(root, execution_input)
        # Same name: the running execution if the input is the same, else ExecutionAlreadyExists.
        existing = StateMachine._handle_name_input_idempotency(root, name, execution_input)
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
        root.executions.append(execution)
        execution.start()
        cloudwatch.execution_started(execution)
        return execution

    replace("StepFunctionsParserBackend.start_execution", start_execution)


def _fix_json_path() -> None:
    from jsonpath_ng.ext import parse
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

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
            raise NoSuchJsonPathError(json_path=path, data=data)
        return matches[0]

    replace("json_path.extract_json", extract_json, imported_by_name=True)


def aws_timestamp(value: datetime.datetime, millis: bool = False) -> str:
    """A timestamp as AWS writes it in state data: UTC ISO-8601 with a Z, like Java's Instant
    (milliseconds only when there are some, unless `millis`, as in the context object)."""
    value = value.astimezone(datetime.UTC) if value.tzinfo else value
    spec = "milliseconds" if millis or value.microsecond else "seconds"
    return value.isoformat(timespec=spec).removesuffix("+00:00") + "Z"


def _json_default(value):
    if isinstance(value, datetime.datetime):
        return aws_timestamp(value)
    if hasattr(value, "read"):  # a streamed body, e.g. s3:getObject's Body: AWS gives its text
        value = value.read()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _json_safe(value):
    """A service result as plain JSON data, which is what AWS puts in the state output."""
    return json.loads(json.dumps(value, default=_json_default))


def _fix_timestamps() -> None:
    def _after_eval_execution(self, env, *args, **kwargs):
        # SDK results hold datetimes (which broke DescribeExecution) and streamed bodies (output as
        # "<StreamingBody object>"); AWS puts ISO timestamps and the body's text there.
        env.stack[-1] = _json_safe(env.stack[-1])
        return after_eval(self, env, *args, **kwargs)

    after_eval = replace("StateTaskService._after_eval_execution", _after_eval_execution)

    def _get_evaluation_environment(self):
        # $$.Execution.StartTime was a datetime (same failure); AWS gives "...T20:14:13.192Z".
        env = get_environment(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = aws_timestamp(execution["StartTime"], millis=True)
        return env

    get_environment = replace(
        "ExecutionWorker._get_evaluation_environment", _get_evaluation_environment
    )

    def state_data(**fields):
        # $$.State.EnteredTime in the same format as StartTime (moto: "+00:00", microseconds).
        entered = datetime.datetime.fromisoformat(fields["EnteredTime"])
        return {**fields, "EnteredTime": aws_timestamp(entered, millis=True)}

    replace("state.StateData", state_data)


def _fix_execution_output() -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus

    def _reflect_execution_status(self):
        # DescribeExecution passed a str output through unquoted ("hi", not "\"hi\""), dropped a
        # null one and spaced the rest; AWS returns the output as compact JSON text.
        reflect(self)
        execution = self.execution
        cloudwatch.execution_ended(execution)
        if execution.exec_status == ExecutionStatus.SUCCEEDED:
            execution.output = json.dumps(
                execution.output, separators=(",", ":"), ensure_ascii=False
            )

    reflect = replace(
        "BaseExecutionWorkerCommunication._reflect_execution_status", _reflect_execution_status
    )


def _fix_no_choice_matched() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def _eval_state(self, env) -> None:
        for rule in self.choices_decl.rules:
            rule.eval(env)
            if env.stack.pop() is True:
                env.stack.append(rule.next_stmt.name)
                return
        if self.default_state is not None:
            env.stack.append(self.default_state.state_name)
            return
        # moto raised a RuntimeError (States.Runtime); AWS fails with States.NoChoiceMatched.
        error = StatesErrorNameType.StatesNoChoiceMatched
        cause = f"No Choice Rule of state '{self.name}' matched its input and it has no Default"
        raise FailureEventException(
            FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=error),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=error.to_name(),
                        cause=cause,
                    )
                ),
            )
        )

    replace("StateChoice._eval_state", _eval_state)


def _fix_runtime_errors() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    runtime = StatesErrorNameType.StatesRuntime

    def _evaluate_with_timeout(self, env) -> None:
        # A path missing from a Task/Map/Parallel input is States.Runtime on AWS, as in a Pass
        # state; moto's Task code reported it as a catchable "Exception" or States.TaskFailed.
        try:
            evaluate(self, env)
        except NoSuchJsonPathError as exc:
            cause = exc.message  # moto prefixes "An error occurred while executing the state"
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=runtime),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            error=runtime.to_name(),
                            cause=cause,
                        )
                    ),
                )
            ) from exc

    evaluate = replace("ExecutionState._evaluate_with_timeout", _evaluate_with_timeout)

    def _eval_body(self, env) -> None:
        # AWS never retries or catches States.Runtime, not even with States.ALL; moto matched it
        # like any other error. (States.DataLimitExceeded is matched as usual: see
        # _fix_payload_quota for when it reaches a Catch.)
        if isinstance(env.stack[-1], StatesErrorName) and env.stack[-1].typ == runtime:
            env.stack.pop()
            env.stack.append(False)
            return
        matches(self, env)

    matches = replace("ErrorEqualsDecl._eval_body", _eval_body)


# Step Functions quotas: "Maximum input or output size for a task, state, or execution: 256 KiB of
# data as a UTF-8 encoded string"; the API reference gives every input/output field of the
# execution history "Maximum length of 262144", so exactly 256 KiB is allowed.
MAX_PAYLOAD_BYTES = 262_144


def payload_size(value) -> int:
    """Bytes of a state's data as Step Functions stores it: compact JSON text in UTF-8."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return len(text.encode("utf-8"))


def _fix_payload_quota() -> None:
    """moto measured state data as spaced, ASCII-escaped JSON ("é" as 6 bytes) and refused
    exactly 256 KiB, so data AWS accepts failed locally. What happens past the quota is moto's
    and matches AWS as recorded against it (LocalStack's AWS-validated snapshots of
    test_states_errors, 2024): a task result over it fails the task with
    States.DataLimitExceeded, which a Catch of that name or of States.ALL sees (the error
    handling guide says States.ALL does not, but the recorded executions were caught); a
    state's own output over it (a Pass state's Result, a ResultPath merge) fails the execution
    at once, past any Catch, which is the "terminal" error the guide describes."""

    def is_within_size_quota(value) -> bool:
        return payload_size(value) <= MAX_PAYLOAD_BYTES

    # state.py and the task modules import it by name
    replace("quotas.is_within_size_quota", is_within_size_quota, imported_by_name=True)


# aws-sdk service names (the Java SDK's) that are not botocore's.
SFN_SERVICE_ALIASES = {
    "sfn": "stepfunctions",
    "states": "stepfunctions",
    "cloudwatchlogs": "logs",
    "eventbridge": "events",
}


@functools.cache
def boto_service_name(sfn_service: str) -> str:
    """The botocore name of an aws-sdk integration's service: acmpca -> acm-pca, sfn -> ..."""
    import botocore.session

    if sfn_service in SFN_SERVICE_ALIASES:
        return SFN_SERVICE_ALIASES[sfn_service]
    available = botocore.session.get_session().get_available_services()
    return next((s for s in available if s.replace("-", "") == sfn_service), sfn_service)


@functools.cache
def service_error_prefix(sfn_service: str) -> str:
    """`S3`, `DynamoDb`, `Sfn`, `AcmPca`: how AWS names a service in aws-sdk error names."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(boto_service_name(sfn_service))
    except UnknownServiceError:
        return sfn_service[:1].upper() + sfn_service[1:]
    words = re.split(r"[\s-]+", str(model.service_id))
    # PascalCase as in the Java SDK's client names: "SFN" -> "Sfn", "DynamoDB" -> "DynamoDb".
    return "".join(
        w.capitalize() if w.isupper() else re.sub(r"[A-Z]{2,}$", lambda m: m[0].capitalize(), w)
        for w in words
    )


def _fix_aws_sdk_error_names() -> None:
    # moto named errors after the lower-case ARN service ("s3.NoSuchKeyException"); AWS uses
    # PascalCase ("S3.NoSuchKeyException"), so Retry/Catch on the documented names never matched.
    replace(
        "StateTaskServiceAwsSdk._normalise_service_error_name", staticmethod(service_error_prefix)
    )

    # moto built clients from the ARN's name, so acmpca, cloudwatchlogs or eventbridge failed.
    def _get_boto_service_name(self, name=None):
        return boto_service_name(name or self.resource.api_name)

    replace("StateTaskServiceAwsSdk._get_boto_service_name", _get_boto_service_name)


def _fix_parser_error_codes() -> None:
    from moto.stepfunctions.exceptions import AWSError

    def __init__(self, message: str = "", exception_type=None, status=None):
        AWSError.__init__(self, message, exception_type, status)

    # The executor's errors (InvalidDefinition, TaskDoesNotExist, ...) declare `code` where moto's
    # serialiser reads TYPE, so they went out with an empty error code; some took no message.
    for error in vars(in_place("moto.stepfunctions.parser.api")).values():
        if isinstance(error, type) and issubclass(error, AWSError) and error is not AWSError:
            error.TYPE = error.__dict__.get("code", error.TYPE)
            error.__init__ = __init__


def _serve_definition_validation() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import InvalidDefinition

    from . import asl_validation

    def validate_state_machine_definition(self):
        # moto lacks the action, and Terraform's aws_sfn_state_machine calls it on every plan.
        return ActionResult(
            asl_validation.validate(
                self._get_param("definition"), self._get_int_param("maxResults")
            )
        )

    add("StepFunctionResponse.validate_state_machine_definition", validate_state_machine_definition)

    def validate_definition(definition: str) -> None:
        # Create/UpdateStateMachine reject what validation fails, with AWS's InvalidDefinition.
        found = asl_validation.diagnostics(definition)
        if found:
            raise InvalidDefinition(asl_validation.invalid_definition_message(found))

    replace("StepFunctionsParserBackend._validate_definition", staticmethod(validate_definition))


def _serve_list_state_machine_versions() -> None:
    from moto.core.responses import ActionResult

    def list_state_machine_versions(self):
        # moto lacks the action, and Terraform's aws_sfn_state_machine reads it on every refresh.
        backend = self.stepfunction_backend
        state_machine = backend.describe_state_machine(self._get_param("stateMachineArn"))
        versions = sorted(state_machine.versions.values(), key=lambda v: -v.version)
        return ActionResult(
            {
                "stateMachineVersions": [
                    {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date}
                    for v in versions
                ]
            }
        )

    add("StepFunctionResponse.list_state_machine_versions", list_state_machine_versions)


def _jsonata_partition(items, size):
    size = int(size)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _jsonata_range(start, end, step=1):
    start, end, step = int(start), int(end), int(step)
    return list(range(start, end + (1 if step > 0 else -1), step))  # the end is included


# Functions AWS adds to JSONata in Step Functions (the JSONata library has none of them).
JSONATA_AWS_FUNCTIONS = {
    "partition": _jsonata_partition,
    "range": _jsonata_range,
    "hash": lambda data, algorithm: hashlib.new(
        algorithm.replace("-", "").lower(), str(data).encode()
    ).hexdigest(),
    "random": lambda seed=None: random.Random(seed).random(),
    "uuid": lambda: str(uuid.uuid4()),
    "parse": lambda text: json.loads(text),
}


def _enable_jsonata() -> None:
    try:
        import jsonata  # the jsonata-python package
    except ImportError:
        return  # QueryLanguage JSONata states then fail with States.Runtime (README divergence)

    def evaluate(expression: str):
        program = jsonata.Jsonata(expression)
        for name, function in JSONATA_AWS_FUNCTIONS.items():
            program.register_lambda(name, function)
        return _json_safe(program.evaluate(None))

    # moto dropped LocalStack's JVM-based evaluator and left this hook empty.
    replace("jsonata._eval_jsonata", evaluate)


def _fix_sync_without_task_token() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        _DELAY_SECONDS_SYNC_CONDITION_CHECK,
    )

    def _eval_integration_pattern(
        self, env, resource_runtime_part, normalised_parameters, state_credentials
    ) -> None:
        if ResourceCondition.WaitForTaskToken in self._supported_integration_patterns:
            return evaluate(
                self, env, resource_runtime_part, normalised_parameters, state_credentials
            )
        # moto ended every .sync task with callback_endpoint.interrupt_all(), but a service
        # without .waitForTaskToken (glue:startJobRun.sync) has no endpoint, so the task failed
        # with States.Runtime "'NoneType' object has no attribute 'interrupt_all'".
        resolver = self._build_sync_resolver(
            env, resource_runtime_part, normalised_parameters, state_credentials
        )
        result = None
        while env.is_running():
            result = resolver()
            if result:
                break
            time.sleep(_DELAY_SECONDS_SYNC_CONDITION_CHECK)
        env.stack.append(result)

    evaluate = replace(
        "StateTaskServiceCallback._eval_integration_pattern", _eval_integration_pattern
    )


def _fix_states_errors_of_branches() -> None:
    """A Parallel branch or Map iteration failing with a States.* error (a failed
    glue:startJobRun.sync task is States.TaskFailed) is that error for the Parallel or Map state,
    which its Retry and Catch see. moto wrapped the name in CustomErrorName, which refuses the
    States. prefix, so the state failed with an uncatchable States.Runtime instead."""
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )

    def error_name(error_name: str | None):
        if error_name is not None and error_name.startswith("States."):
            return StatesErrorName.from_name(error_name)
        return CustomErrorName(error_name=error_name)

    replace("branches_decl.CustomErrorName", error_name)
    replace("iteration_worker.CustomErrorName", error_name)
