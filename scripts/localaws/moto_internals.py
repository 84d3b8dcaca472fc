"""Every moto internal the local AWS depends on, in one place, and the one way to patch them.

The local AWS fixes moto by replacing methods and module attributes of moto's classes and
modules, and it imports from moto's private modules: none of that is an API moto keeps from one
release to the next. So every install function patches through `replace` (or `add`, for what
moto lacks, or `in_place`, for what it changes in place), which accepts only the names listed
here and fails naming the name when the installed moto no longer has it;
tests/unit/localaws/test_moto_internals.py resolves every listed name against the installed moto
and checks that the local AWS imports nothing from moto that is not listed below.

On a moto upgrade: set MOTO_VERSION to the new pin in requirements-dev.txt, run that test, and
for each name it reports read what moto changed there and adapt the fix (or drop it if moto now
does it right); then run tests/localaws and tests/conformance.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# The moto the names below were read in (the pin in requirements-dev.txt).
MOTO_VERSION = "5.2.1"

_SFN = "moto.stepfunctions.parser"  # moto's Step Functions interpreter (LocalStack's, vendored)
_ASL = f"{_SFN}.asl.component"
_TASK = f"{_ASL}.state.exec.state_task"
_ERRORS = f"{_ASL}.common.error_name"
_AWS_SDK, _CALLBACK = "StateTaskServiceAwsSdk", "StateTaskServiceCallback"

# Attributes of moto's classes and modules that `replace` replaces, by the local module doing it.
REPLACED = (
    # authorization.py. moto's own authorization hook: every response class calls it before it
    # acts, and moto's documented IAM access control (INITIAL_NO_AUTH_ACTION_COUNT) is its body;
    # moto offers no other way to plug in an authorizer.
    "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action",
    "moto.s3.models.FakeBucket.get_permission",
    # events.py
    "moto.s3.notifications._invoke_awslambda",
    "moto.sqs.models.Queue.__init__",
    # eventbridge.py
    "moto.events.models.Rule.send_to_targets",
    "moto.s3.notifications._send_event_bridge_message",
    # glue.py
    "moto.glue.models.FakeJob.start_job_run",
    "moto.glue.models.FakeJob.as_dict",
    "moto.glue.models.FakeJobRun.as_dict",
    "moto.glue.models.FakeCrawler.start_crawler",
    "moto.glue.models.FakeCrawler.as_dict",
    "moto.glue.models.GlueBackend.create_job",
    # lambda_service.py
    "moto.awslambda.models.LambdaFunction.invoke",
    "moto.awslambda.models.LambdaFunction.__init__",
    "moto.awslambda.models.LambdaFunction.update_configuration",
    "moto.awslambda.models.LambdaFunction.update_function_code",
    "moto.awslambda.models.LambdaFunction.get_configuration",
    "moto.awslambda.responses.sys",
    # mediaconvert.py
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication.__call__",
    f"{_TASK}.service.state_task_service_factory.state_task_service_for",
    f"{_TASK}.state_task_factory.state_task_service_for",  # imported by name
    # redrive.py: DescribeExecution gains the redrive fields
    "moto.stepfunctions.responses.StepFunctionResponse.describe_execution",
    # server.py
    "moto.core.responses.BaseResponse.call_action",
    "moto.backends.list_of_moto_modules",
    # appsync.py: the settings moto drops, and the local endpoints' URIs
    "moto.appsync.responses.AppSyncResponse.create_graphql_api",
    "moto.appsync.responses.AppSyncResponse.update_graphql_api",
    "moto.appsync.models.GraphqlAPI.to_json",
    "moto.appsync.models.GraphqlAPI.__init__",
    "moto.appsync.models.GraphqlAPIKey.to_json",
    "moto.appsync.models.GraphqlAPIKey.__init__",
    "moto.appsync.models.GraphqlAPIKey.update",
    # s3.py (its ranged reads also use FakeKey's lock and _value_buffer, as FakeKey.value does)
    "moto.s3.models.S3Backend.copy_object",
    "moto.s3.models.FakeKey.value",
    "moto.s3.models.FakeKey.etag",
    "moto.s3.responses.S3Response.get_object",
    "moto.s3.notifications.send_event",
    "moto.s3.responses.S3Response.get_bucket_notification",
    "moto.s3.notifications._get_s3_event",
    # sns.py
    "moto.sns.models.SNSBackend.publish",
    "moto.sns.models.SNSBackend.publish_batch",
    "moto.sns.models.Subscription.publish",
    "moto.sns.responses.SNSResponse.get_topic_attributes",
    # sqs.py
    "moto.sqs.models.SQSBackend.send_message",
    "moto.sqs.models.SQSBackend.send_message_batch",
    "moto.sqs.models.Queue._set_attributes",
    "moto.sqs.models.Queue.attributes",
    # stepfunctions.py
    f"{_SFN}.asl.utils.boto_client.boto_client_for",  # and where imported by name
    f"{_SFN}.asl.utils.json_path.extract_json",  # and where imported by name
    f"{_SFN}.quotas.is_within_size_quota",  # and where imported by name
    f"{_SFN}.models.StepFunctionsParserBackend.start_execution",
    f"{_SFN}.models.StepFunctionsParserBackend._validate_definition",
    f"{_SFN}.backend.execution_worker.ExecutionWorker._get_evaluation_environment",
    f"{_SFN}.backend.execution.BaseExecutionWorkerCommunication._reflect_execution_status",
    f"{_SFN}.asl.jsonata.jsonata._eval_jsonata",
    f"{_ASL}.state.state.StateData",
    f"{_ASL}.state.choice.state_choice.StateChoice._eval_state",
    f"{_ASL}.state.exec.execute_state.ExecutionState._evaluate_with_timeout",
    f"{_ASL}.state.exec.state_parallel.branches_decl.CustomErrorName",
    f"{_ASL}.state.exec.state_map.iteration.iteration_worker.CustomErrorName",
    f"{_ERRORS}.error_equals_decl.ErrorEqualsDecl._eval_body",
    f"{_TASK}.service.state_task_service.StateTaskService._after_eval_execution",
    f"{_TASK}.service.state_task_service_aws_sdk.{_AWS_SDK}._normalise_service_error_name",
    f"{_TASK}.service.state_task_service_aws_sdk.{_AWS_SDK}._get_boto_service_name",
    f"{_TASK}.service.state_task_service_callback.{_CALLBACK}._eval_integration_pattern",
    f"{_TASK}.service.state_task_service_aws_sdk.{_AWS_SDK}._normalise_parameters",
    f"{_TASK}.service.state_task_service_aws_sdk.{_AWS_SDK}._normalise_response",
    f"{_TASK}.lambda_eval_utils.execute_lambda_function_integration",
    f"{_SFN}.backend.execution.Execution.stop",
    f"{_SFN}.asl.parse.preprocessor.Preprocessor.visitString_jsonata",
    f"{_SFN}.asl.parse.preprocessor.Preprocessor.visitTolerated_failure_count_string_jsonata",
    f"{_SFN}.asl.parse.intrinsic.intrinsic_parser.IntrinsicParser.parse",
    f"{_SFN}.asl.parse.intrinsic.preprocessor.Preprocessor.visitFunc_arg_string",
    f"{_ASL}.common.string.string_expression.StringJSONata._eval_body",
    f"{_SFN}.asl.jsonata.validations._validate_null_output",
    # distributed_map.py
    f"{_SFN}.asl.parse.asl_parser.AmazonStateLanguageParser.parse",
    f"{_ASL}.state.exec.state_map.iteration.distributed_iteration_component"
    ".DistributedIterationComponent._eval_body",
    f"{_SFN}.models.StepFunctionsParserBackend.describe_execution",
    f"{_SFN}.models.StepFunctionsParserBackend.stop_execution",
    f"{_SFN}.models.StepFunctionsParserBackend.describe_map_run",
    f"{_SFN}.models.StepFunctionsParserBackend.update_map_run",
    f"{_SFN}.models.StepFunctionsParserBackend.list_map_runs",
    "moto.stepfunctions.responses.StepFunctionResponse.list_executions",
)

# What moto lacks and `add` adds: if moto gains one, the local one may be needed no longer.
ADDED = (
    # rekognition.py: face collections and face search (moto has DetectLabels, DetectText, ...)
    *(
        f"moto.rekognition.responses.RekognitionResponse.{action}"
        for action in (
            "create_collection",
            "describe_collection",
            "delete_collection",
            "list_collections",
            "list_tags_for_resource",
            "tag_resource",
            "untag_resource",
            "detect_faces",
            "index_faces",
            "search_faces_by_image",
            "search_faces",
            "list_faces",
            "delete_faces",
        )
    ),
    # appsync.py: data sources and resolvers
    *(
        f"moto.appsync.responses.AppSyncResponse.{action}_{kind}"
        for action in ("create", "get", "update", "delete")
        for kind in ("data_source", "resolver")
    ),
    "moto.appsync.responses.AppSyncResponse.list_data_sources",
    "moto.appsync.responses.AppSyncResponse.list_resolvers",
    # redrive.py: replaying failed executions and dead letters
    "moto.stepfunctions.responses.StepFunctionResponse.redrive_execution",
    "moto.sqs.responses.SQSResponse.start_message_move_task",
    "moto.sqs.responses.SQSResponse.list_message_move_tasks",
    "moto.sqs.responses.SQSResponse.cancel_message_move_task",
    # sqs.py: the default of the attribute moto now keeps
    "moto.sqs.models.Queue.redrive_allow_policy",
    # stepfunctions.py: actions Terraform calls
    "moto.stepfunctions.responses.StepFunctionResponse.validate_state_machine_definition",
    "moto.stepfunctions.responses.StepFunctionResponse.list_state_machine_versions",
)

# Objects of moto's that `in_place` hands out to be changed in place.
IN_PLACE = (
    # stepfunctions.py: moto's public configuration (mock_aws(config=...), POST /moto-api/config)
    "moto.core.config.default_user_config",
    # sqs.py: the attribute names GetQueueAttributes reports
    "moto.sqs.models.Queue.BASE_ATTRIBUTES",
    # appsync.py: the URL paths of data sources
    "moto.appsync.urls.url_paths",
    # stepfunctions.py: the executor's errors (each AWSError subclass's TYPE and __init__)
    f"{_SFN}.api",
)

# What the local AWS imports from moto (modules, classes, functions, backends), so that one place
# shows the whole surface. The test checks every `from moto... import` in scripts/localaws is here.
IMPORTED = (
    "moto.s3.utils.compute_checksum",
    "moto.apigatewayv2.models.apigatewayv2_backends",
    "moto.appsync.models.appsync_backends",
    "moto.appsync.responses.AppSyncResponse",
    "moto.cognitoidp.models.cognitoidp_backends",
    "moto.cognitoidp.responses.CognitoIdpJsonWebKeyResponse",
    "moto.core.exceptions.JsonRESTError",
    "moto.awslambda.exceptions.InvalidParameterValueException",
    "moto.awslambda.exceptions.LambdaClientError",
    "moto.awslambda.models.LambdaFunction",
    "moto.awslambda.models.lambda_backends",
    "moto.cloudwatch.models.cloudwatch_backends",
    "moto.core.exceptions.ServiceException",
    "moto.core.responses.ActionResult",
    "moto.core.utils.camelcase_to_underscores",
    "moto.core.utils.utcnow",
    "moto.events.models.events_backends",
    "moto.glue.exceptions.CrawlerRunningException",
    "moto.iam.access_control.PermissionResult",
    "moto.iam.exceptions.NotFoundException",
    "moto.iam.models.iam_backends",
    "moto.kms.models.kms_backends",
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app.create_backend_app",
    "moto.s3.models.s3_backends",
    "moto.settings.moto_server_port",
    "moto.sns.exceptions.InvalidParameterValue",
    "moto.sns.exceptions.SNSException",
    "moto.sns.models.sns_backends",
    "moto.sqs.constants.MAXIMUM_MESSAGE_LENGTH",
    "moto.sqs.exceptions.BatchRequestTooLong",
    "moto.sqs.exceptions.InvalidParameterValue",
    "moto.sqs.models.sqs_backends",
    "moto.stepfunctions.exceptions.AWSError",
    "moto.stepfunctions.exceptions.ValidationException",
    "moto.stepfunctions.models.StateMachine",
    "moto.sts.models.sts_backends",
    "moto.utilities.utils.get_partition",
    f"{_SFN}.api.ExecutionNotRedrivable",
    f"{_SFN}.api.ExecutionStatus",
    f"{_SFN}.api.HistoryEventType",
    f"{_SFN}.api.InvalidDefinition",
    f"{_SFN}.api.TaskFailedEventDetails",
    f"{_SFN}.api.EvaluationFailedEventDetails",
    f"{_SFN}.api.InvocationResponse",
    f"{_SFN}.asl.antlr.runtime.ASLIntrinsicLexer.ASLIntrinsicLexer",
    f"{_SFN}.asl.antlr.runtime.ASLIntrinsicParser.ASLIntrinsicParser",
    f"{_SFN}.asl.antlr.runtime.ASLParser.ASLParser",
    f"{_SFN}.asl.parse.intrinsic.preprocessor.Preprocessor",
    f"{_SFN}.asl.component.intrinsic.argument.argument.ArgumentLiteral",
    f"{_TASK}.lambda_eval_utils",
    f"{_SFN}.asl.jsonata.jsonata",
    f"{_ASL}.state.exec.state_map.tolerated_failure.ToleratedFailureCountStringJSONata",
    "moto.utilities.collections.select_from_typed_dict",
    f"{_SFN}.asl.eval.evaluation_details.EvaluationDetails",
    f"{_SFN}.asl.eval.event.event_detail.EventDetails",
    f"{_SFN}.asl.eval.event.event_manager.EventHistoryContext",
    f"{_SFN}.asl.parse.asl_parser.AmazonStateLanguageParser",
    f"{_SFN}.asl.utils.boto_client.TimeoutSeconds",
    f"{_SFN}.asl.utils.boto_client.boto_client_for",
    f"{_SFN}.asl.utils.json_path.NoSuchJsonPathError",
    f"{_SFN}.backend.execution.Execution",
    f"{_SFN}.backend.execution_worker.ExecutionWorker",  # subclassed
    f"{_ERRORS}.custom_error_name.CustomErrorName",
    f"{_ERRORS}.failure_event.FailureEvent",
    f"{_ERRORS}.failure_event.FailureEventException",
    f"{_ERRORS}.states_error_name.StatesErrorName",
    f"{_ERRORS}.states_error_name_type.StatesErrorNameType",
    f"{_TASK}.service.resource.ResourceCondition",
    f"{_TASK}.service.state_task_service_callback.StateTaskServiceCallback",  # subclassed
    f"{_TASK}.service.state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK",
    # distributed_map.py
    "moto.stepfunctions.exceptions.ResourceNotFound",
    f"{_SFN}.api.MapRunFailedEventDetails",
    f"{_SFN}.api.MapRunStartedEventDetails",
    f"{_SFN}.api.MapRunStatus",
    f"{_SFN}.api.StateMachineType",
    f"{_SFN}.asl.component.component.Component",
    f"{_SFN}.asl.eval.states.ItemData",
    f"{_SFN}.asl.eval.states.MapData",
    f"{_SFN}.asl.utils.boto_client",
    f"{_SFN}.asl.utils.json_path",
    f"{_TASK}.credentials.StateCredentials",
)


class MotoChanged(RuntimeError):
    """The installed moto lacks (or, for an addition, now has) a name the local AWS relies on."""


def installed_version() -> str:
    from importlib.metadata import version

    return version("moto")


def _changed(name: str, what: str) -> MotoChanged:
    return MotoChanged(
        f"{name}: {what} in moto {installed_version()} (the local AWS was written against moto "
        f"{MOTO_VERSION}; see scripts/localaws/moto_internals.py)"
    )


def _listed(name: str, listing: tuple[str, ...], listing_name: str) -> str:
    """The entry of `listing` that `name` is, or ends with after a dot (sites name an entry by
    its tail, e.g. `LambdaFunction.invoke`): exactly one, or the name is refused."""
    found = [entry for entry in listing if entry == name or entry.endswith(f".{name}")]
    if len(found) != 1:
        many = "more than one entry" if found else "nothing"
        raise ValueError(
            f"{name!r} names {many} of moto_internals.{listing_name}: list the moto internal "
            "there, by its full dotted name, before patching it"
        )
    return found[0]


def _owner_and_attribute(name: str) -> tuple[object, str]:
    """The object holding the last part of a dotted name, importing modules on the way as `from
    <module> import <part>` does."""
    parts = name.split(".")
    owner: object = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:-1], 1):
        if hasattr(owner, part):
            owner = getattr(owner, part)
            continue
        module = ".".join(parts[: index + 1])
        if not (isinstance(owner, ModuleType) and hasattr(owner, "__path__")):
            raise _changed(name, f"{'.'.join(parts[:index])} has no {part!r}")
        try:
            owner = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise  # the module exists, one of its own imports does not
            raise _changed(name, f"there is no module {module}") from None
    return owner, parts[-1]


def _has(owner: object, attribute: str) -> bool:
    if isinstance(owner, type):  # defined by moto, not inherited from object
        return any(attribute in vars(cls) for cls in owner.__mro__ if cls is not object)
    return hasattr(owner, attribute)


def resolve(name: str) -> object:
    """The moto object a full dotted name names (MotoChanged if moto has no such thing)."""
    owner, attribute = _owner_and_attribute(name)
    if not _has(owner, attribute):
        raise _changed(name, f"there is no {attribute!r}")
    return getattr(owner, attribute)


def replace(name: str, new: object, *, imported_by_name: bool = False) -> object:
    """Sets the listed moto attribute `name` (its full name, or a unique tail of it) to `new` and
    returns what it was. With `imported_by_name`, moto modules already loaded that imported the
    original with `from <module> import <attribute>` get `new` too (the ones loaded later import
    `new`)."""
    full_name = _listed(name, REPLACED, "REPLACED")
    owner, attribute = _owner_and_attribute(full_name)
    original = resolve(full_name)
    setattr(owner, attribute, new)
    if imported_by_name:
        for module_name, module in list(sys.modules.items()):
            moto_module = module is not None and module_name.startswith("moto.")
            if moto_module and vars(module).get(attribute) is original:
                setattr(module, attribute, new)
    return original


def add(name: str, value: object) -> None:
    """Sets the listed attribute `name`, which moto lacks, to `value`."""
    full_name = _listed(name, ADDED, "ADDED")
    owner, attribute = _owner_and_attribute(full_name)
    if _has(owner, attribute):
        raise _changed(full_name, "moto has it now: keep the local one only if moto's is wrong")
    setattr(owner, attribute, value)


def in_place(name: str) -> object:
    """The listed moto object `name`, for the caller to change in place."""
    return resolve(_listed(name, IN_PLACE, "IN_PLACE"))


def problems() -> list[str]:
    """What the installed moto no longer has (or now has, for an addition), one line each."""
    found = []
    for name in (*REPLACED, *IN_PLACE, *IMPORTED, *ADDED):
        try:
            if name in ADDED:
                owner, attribute = _owner_and_attribute(name)
                if _has(owner, attribute):
                    raise _changed(name, "moto has it now: check whether the local one is needed")
            else:
                resolve(name)
        except MotoChanged as exc:
            found.append(str(exc))
    return found
