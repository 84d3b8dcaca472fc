"""Step Functions on moto: execution switched on, plus fixes to moto's executor."""

from __future__ import annotations

import contextvars
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
    _name_the_field_of_undefined_jsonata()
    _accept_null_intrinsic_arguments()
    _lambda_invoke_sdk_metadata()
    _stop_execution_answers_the_stop_date()
    _aws_sdk_pascal_case()
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
        if execution.exec_status == ExecutionStatus.ABORTED:
            # The date StopExecution answered with, not the moment the worker noticed the stop.
            stopped = execution.exec_worker.env.program_state()
            execution.stop_date = getattr(stopped, "stop_date", None) or execution.stop_date
        cloudwatch.execution_ended(execution)
        if execution.exec_status == ExecutionStatus.SUCCEEDED:
            execution.output = json.dumps(
                execution.output, separators=(",", ":"), ensure_ascii=False
            )
        status_changed(execution)

    reflect = replace(
        "BaseExecutionWorkerCommunication._reflect_execution_status", _reflect_execution_status
    )


def status_changed(execution) -> None:
    """Step Functions' "Execution Status Change" event of an execution that ended, on the
    default bus (Step Functions Developer Guide, "Automating Step Functions event delivery with
    EventBridge"): rules on it run as on AWS (e.g. graphql-api's publishing of finished runs).
    Not sent: the RUNNING event of a start."""
    status = getattr(execution.exec_status, "value", execution.exec_status)
    if status not in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"):
        return

    def millis(date):
        return int(date.timestamp() * 1000) if date else None

    output = execution.output if isinstance(execution.output, str) else None
    detail = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": status,
        "startDate": millis(execution.start_date),
        "stopDate": millis(execution.stop_date),
        "input": execution.execution_input,
        "output": output,
        "inputDetails": {"included": True},
        "outputDetails": {"included": True},
        "error": execution.error,
        "cause": execution.cause,
    }
    cloudwatch.service_event(
        execution.account_id,
        execution.region_name,
        "aws.states",
        "Step Functions Execution Status Change",
        detail,
        [execution.exec_arn],
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
        # Create/UpdateStateMachine reject what validation fails, with AWS's InvalidDefinition;
        # then what AWS accepts but the local engine cannot run, saying so (a README divergence).
        found = asl_validation.diagnostics(definition)
        if found:
            raise InvalidDefinition(asl_validation.invalid_definition_message(found))
        refusal = asl_validation.engine_refusal(definition)
        if refusal:
            raise InvalidDefinition(
                "The definition is valid on AWS, but the local AWS's Step Functions engine"
                f" cannot run it: {refusal}"
            )

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


_JSONATA_FIELD: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jsonata_field", default=None
)


def jsonata_field_path(ctx) -> str:
    """Where a JSONata expression sits in its state, as AWS names it in errors: `/` before each
    object key, `[i]` for an array index ("Arguments/Input/pushLocation", "Output/a/b[0]",
    "Choices[1]/Condition"), read from the parse tree up to the state."""
    from antlr4 import ParserRuleContext
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser

    parts, child, node = [], ctx, ctx.parentCtx
    while node is not None and not isinstance(node, ASLParser.State_declContext):
        children = node.children or []
        texts = [c.getText() for c in children]
        part = ""
        if "[" in texts and child in children:
            rules = [c for c in children if isinstance(c, ParserRuleContext)]
            part = f"[{rules.index(child)}]" if child in rules else ""
        if len(children) >= 3 and texts[1] == ":" and texts[0].startswith('"'):
            part = "/" + json.loads(texts[0]) + part
        parts.append(part)
        child, node = node, node.parentCtx
    return "".join(reversed(parts)).lstrip("/")


def _name_the_field_of_undefined_jsonata() -> None:
    """AWS names the field of a JSONata expression that returned nothing: "The JSONata expression
    '$states.input.x' specified for the field 'Arguments/Input/x' returned nothing (undefined)."
    (States.QueryEvaluationError); moto left the field out."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
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
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.tolerated_failure import (
        ToleratedFailureCountStringJSONata,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def visit_string_jsonata(self, ctx):
        string_jsonata = visit(self, ctx)
        string_jsonata.field_path = jsonata_field_path(ctx)
        return string_jsonata

    visit = replace("Preprocessor.visitString_jsonata", visit_string_jsonata)

    def visit_tolerated_failure_count(self, ctx):
        # moto built a ToleratedFailurePercentage from a JSONata ToleratedFailureCount, so a Map
        # with both failed to parse ("Redefinition of type").
        return ToleratedFailureCountStringJSONata(
            string_jsonata=self.visitString_jsonata(ctx=ctx.string_jsonata())
        )

    replace(
        "Preprocessor.visitTolerated_failure_count_string_jsonata", visit_tolerated_failure_count
    )

    def _eval_body(self, env) -> None:
        token = _JSONATA_FIELD.set(getattr(self, "field_path", None))
        try:
            eval_body(self, env)
        finally:
            _JSONATA_FIELD.reset(token)

    eval_body = replace("StringJSONata._eval_body", _eval_body)

    def _validate_null_output(env, expression: str, rich_jsonata_expression: str) -> None:
        if evaluate_jsonata(f"$exists({rich_jsonata_expression})"):
            return
        field = _JSONATA_FIELD.get()
        where = f" specified for the field '{field}'" if field else ""
        error = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
        raise FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=error,
                event_type=HistoryEventType.EvaluationFailed,
                event_details=EventDetails(
                    evaluationFailedEventDetails=EvaluationFailedEventDetails(
                        error=error.error_name,
                        cause=f"The JSONata expression '{expression}'{where} returned nothing"
                        " (undefined).",
                        location=field,
                    )
                ),
            )
        )

    replace("validations._validate_null_output", _validate_null_output)

    def evaluate_jsonata(expression: str):
        from moto.stepfunctions.parser.asl.jsonata import jsonata

        return jsonata._eval_jsonata(expression)


def _accept_null_intrinsic_arguments() -> None:
    """`States.Array('a', null)`: moto's intrinsic grammar has no null literal (ANTLR dropped the
    argument, or the call failed). The lexer's `null` identifier becomes a string token marked
    as null, which the preprocessor turns into a None argument."""
    from antlr4 import CommonTokenStream, InputStream
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLIntrinsicLexer import ASLIntrinsicLexer
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLIntrinsicParser import (
        ASLIntrinsicParser,
    )
    from moto.stepfunctions.parser.asl.component.intrinsic.argument.argument import (
        ArgumentLiteral,
    )
    from moto.stepfunctions.parser.asl.parse.intrinsic.preprocessor import Preprocessor

    class NullLiteralLexer(ASLIntrinsicLexer):
        def nextToken(self):
            token = super().nextToken()
            if token.type == ASLIntrinsicLexer.IDENTIFIER and token.text == "null":
                token.type = ASLIntrinsicLexer.STRING
                token.is_null = True
            return token

    def parse(src: str):
        tree = ASLIntrinsicParser(CommonTokenStream(NullLiteralLexer(InputStream(src)))).func_decl()
        return Preprocessor().visit(tree), tree

    replace("IntrinsicParser.parse", staticmethod(parse))

    def visit_func_arg_string(self, ctx):
        if getattr(ctx.STRING().getSymbol(), "is_null", False):
            return ArgumentLiteral(definition_value=None)
        return visit(self, ctx)

    visit = replace("Preprocessor.visitFunc_arg_string", visit_func_arg_string)


# The headers of a Lambda Invoke response, as AWS spells them in SdkHttpMetadata (developer
# guide, "Invoke an AWS Lambda function with Step Functions": the optimised integration's result).
LAMBDA_INVOKE_HEADERS = (
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "X-Amz-Executed-Version",
    "X-Amz-Function-Error",
    "X-Amz-Log-Result",
    "x-amzn-Remapped-Content-Length",
    "x-amzn-RequestId",
    "X-Amzn-Trace-Id",
)


def sdk_metadata(response_metadata: dict) -> dict:
    """`SdkHttpMetadata` and `SdkResponseMetadata` of an optimised integration's result (the Java
    SDK's response metadata) from botocore's `ResponseMetadata`."""
    received = {k.lower(): v for k, v in response_metadata.get("HTTPHeaders", {}).items()}
    request_id = response_metadata.get("RequestId") or received.get("x-amzn-requestid", "")
    received.setdefault("x-amzn-requestid", request_id)
    received.setdefault("connection", "keep-alive")
    headers = {h: received[h.lower()] for h in LAMBDA_INVOKE_HEADERS if h.lower() in received}
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": response_metadata.get("HTTPStatusCode", 200),
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _lambda_invoke_sdk_metadata() -> None:
    from moto.stepfunctions.parser.api import InvocationResponse
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.utilities.collections import select_from_typed_dict

    def execute_lambda_function_integration(env, parameters, region, state_credentials) -> None:
        if env.is_mocked_mode():
            return original(env, parameters, region, state_credentials)
        response = lambda_eval_utils._invoke_lambda_function(
            parameters=parameters, region=region, state_credentials=state_credentials
        )
        if response.get("FunctionError"):
            payload = json.dumps(response["Payload"], separators=(",", ":"))
            raise lambda_eval_utils.LambdaFunctionErrorException(response["FunctionError"], payload)
        # moto kept the InvocationResponse fields only; AWS adds the SDK's response metadata.
        result = select_from_typed_dict(typed_dict=InvocationResponse, obj=response)
        env.stack.append({**result, **sdk_metadata(response.get("ResponseMetadata", {}))})
        return None

    original = replace(
        "lambda_eval_utils.execute_lambda_function_integration",
        execute_lambda_function_integration,
    )


def _stop_execution_answers_the_stop_date() -> None:
    def stop(self, stop_date, error, cause):
        if stop_date.tzinfo is None:  # moto's utcnow(): naive UTC, unlike every other date here
            stop_date = stop_date.replace(tzinfo=datetime.UTC)
        stop_original(self, stop_date, error, cause)
        # StopExecution answers with stopDate; moto's worker set it only after the run ended, so
        # the answer had none. The worker later records this same date.
        self.stop_date = self.stop_date or stop_date

    stop_original = replace("Execution.stop", stop)


def _members(shape) -> dict:
    return getattr(shape, "members", None) or {}


def to_api_case(value, shape):
    """aws-sdk parameters (PascalCase) with the member names of the service's model: `RestApiId`
    is `restApiId` for API Gateway, `Bucket` stays `Bucket` for S3."""
    if shape is None:
        return value
    if isinstance(value, dict) and shape.type_name == "structure":
        members, named = _members(shape), {}
        for key, item in value.items():
            camel = key[:1].lower() + key[1:]
            member = camel if key not in members and camel in members else key
            named[member] = to_api_case(item, members.get(member))
        return named
    if isinstance(value, dict) and shape.type_name == "map":
        return {key: to_api_case(item, shape.value) for key, item in value.items()}
    if isinstance(value, list) and shape.type_name == "list":
        return [to_api_case(item, shape.member) for item in value]
    return value


def to_sfn_case(value, shape):
    """A service's answer with the PascalCase names Step Functions gives (`id` -> `Id`); names
    already PascalCase in the model (S3's `ETag`, `SSEKMSKeyId`) are left as they are."""
    if shape is None:
        return value
    if isinstance(value, dict) and shape.type_name == "structure":
        members = _members(shape)
        return {
            (key[:1].upper() + key[1:] if key in members else key): to_sfn_case(
                item, members.get(key)
            )
            for key, item in value.items()
        }
    if isinstance(value, dict) and shape.type_name == "map":
        return {key: to_sfn_case(item, shape.value) for key, item in value.items()}
    if isinstance(value, list) and shape.type_name == "list":
        return [to_sfn_case(item, shape.member) for item in value]
    return value


@functools.cache
def _operation_model(boto_service: str, snake_action: str):
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(boto_service)
    names = {xform_name(name): name for name in model.operation_names}
    return model.operation_model(names[snake_action]) if snake_action in names else None


def _aws_sdk_pascal_case() -> None:
    """aws-sdk integrations take and give PascalCase field names even where the service's API is
    camelCase (developer guide, "Using AWS SDK service integrations": "Parameters in Step
    Functions are expressed in PascalCase, even if the native service API is in camelCase", e.g.
    `StateMachineArn` for sfn:startSyncExecution). moto passed names through, so a camelCase API
    (apigateway, sfn, ecs, ...) got unknown parameters and answered camelCase fields."""

    def operation(self):
        return _operation_model(self._get_boto_service_name(), self._get_boto_service_action())

    def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        model = operation(self)
        if model is not None and model.input_shape is not None:
            named = to_api_case(parameters, model.input_shape)
            parameters.clear()
            parameters.update(named)

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        model = operation(self)
        if model is not None and model.output_shape is not None and isinstance(response, dict):
            named = to_sfn_case(response, model.output_shape)
            response.clear()
            response.update(named)

    replace("StateTaskServiceAwsSdk._normalise_parameters", _normalise_parameters)
    replace("StateTaskServiceAwsSdk._normalise_response", _normalise_response)
