"""AppSync GraphQL APIs on the local AWS: deployed with Terraform, queried for real.

moto keeps GraphQL APIs, their schemas and API keys but no data sources or resolvers, forgets
most of CreateGraphqlApi's settings and serves no GraphQL. Here:

- the control plane gains data sources and resolvers (Create/Get/Update/Delete/List) and keeps
  every setting of Create/UpdateGraphqlApi (query depth limit, introspection, ...), so Terraform
  reads back what it wrote; `uris` point at the local endpoints: GRAPHQL at
  `/_localaws/appsync/<api id>/graphql` on this server (AppSync's
  `https://<id>.appsync-api.<region>.amazonaws.com/graphql`), REALTIME at the WebSocket server
  of appsync_realtime;
- a POST of `{"query", "variables", "operationName"}` there is authorized (appsync_auth), parsed,
  validated and executed with graphql-core against the deployed schema (AWS scalars and
  directives added as AppSync adds them). A field with a resolver calls its data source: an
  AWS_LAMBDA data source is a direct Lambda resolver, invoked through the local Lambda with a
  session of the data source's service role (which must trust appsync.amazonaws.com for this
  API), with AppSync's event (arguments, identity, source, request, info, prev, stash); its
  error becomes the field's error (errorType, message). Fields without a resolver read their
  parent's value. Each field checks the caller's mode against its directives (the field's, else
  its type's, else the default mode) and, for AWS_IAM, appsync:GraphQL on the root fields; a
  field deeper than `queryDepthLimit` is null with an error. Mutations that succeed are published
  to the subscriptions that name them in `@aws_subscribe`.

Answers are AppSync's shapes: UnauthorizedException (401) before execution, validation errors
with `locations` (graphql-java's messages, as AppSync answers them), field errors with `path`,
`errorType` and `locations`. Only AWS_LAMBDA data sources run (a resolver of another kind, or a
pipeline resolver, answers the field with an UnsupportedByLocalAws error).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping

from werkzeug.wrappers import Request, Response

from . import ACCOUNT, appsync_auth, authorization
from .eventbridge import Delivery, DeliveryFailed
from .moto_internals import add, in_place, replace

log = logging.getLogger("localaws.appsync")
PREFIX = "/_localaws/appsync/"
ASSUMED_SESSION = "APPSYNC_ASSUME_ROLE"  # the session name AppSync's data source calls carry

# The scalars and directives AppSync defines (AppSync Developer Guide, "Scalar types" and
# "Configuring authorization"): a deployed schema uses them without declaring them.
AWS_DEFINITIONS = """
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_subscribe(mutations: [String!]!) on FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String!]!) on FIELD_DEFINITION
directive @aws_api_key on FIELD_DEFINITION | OBJECT
directive @aws_iam on FIELD_DEFINITION | OBJECT
directive @aws_oidc on FIELD_DEFINITION | OBJECT
directive @aws_lambda on FIELD_DEFINITION | OBJECT
directive @aws_cognito_user_pools(cognito_groups: [String!]) on FIELD_DEFINITION | OBJECT
"""


class FieldError(Exception):
    """A field's error, with AppSync's errorType."""

    def __init__(self, error_type: str | None, message: str) -> None:
        super().__init__(message)
        self.error_type, self.message = error_type, message


# --- control plane: what moto lacks ---------------------------------------------------------


def _not_found(message: str):
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError("NotFoundException", message)
    error.code = 404
    error.description = json.dumps({"message": message})
    return error


def _api(response, api_id: str):
    from moto.appsync.models import appsync_backends

    api = appsync_backends[response.current_account][response.region].graphql_apis.get(api_id)
    if api is None:
        raise _not_found(f"GraphQL API {api_id} not found.")
    return api


def _path_parts(response) -> list[str]:
    return response.path.split("?")[0].strip("/").split("/")  # v1, apis, <id>, ...


def local_state(api) -> dict:
    """What the local AWS keeps of an API beyond moto: its settings, data sources, resolvers."""
    if not hasattr(api, "local"):
        api.local = {"config": {}, "data_sources": {}, "resolvers": {}}
    return api.local


def create_data_source(self) -> str:
    api = _api(self, _path_parts(self)[2])
    params = json.loads(self.body)
    source = {**params, "dataSourceArn": f"{api.arn}/datasources/{params['name']}"}
    local_state(api)["data_sources"][params["name"]] = source
    return json.dumps({"dataSource": source})


def get_data_source(self) -> str:
    _, _, api_id, _, name = _path_parts(self)
    source = local_state(_api(self, api_id))["data_sources"].get(name)
    if source is None:
        raise _not_found(f"No data source found: {name}")
    return json.dumps({"dataSource": source})


def update_data_source(self) -> str:
    _, _, api_id, _, name = _path_parts(self)
    api = _api(self, api_id)
    sources = local_state(api)["data_sources"]
    if name not in sources:
        raise _not_found(f"No data source found: {name}")
    sources[name] = {
        **json.loads(self.body),
        "name": name,
        "dataSourceArn": sources[name]["dataSourceArn"],
    }
    return json.dumps({"dataSource": sources[name]})


def delete_data_source(self) -> str:
    _, _, api_id, _, name = _path_parts(self)
    if local_state(_api(self, api_id))["data_sources"].pop(name, None) is None:
        raise _not_found(f"No data source found: {name}")
    return "{}"


def list_data_sources(self) -> str:
    sources = local_state(_api(self, _path_parts(self)[2]))["data_sources"]
    return json.dumps({"dataSources": list(sources.values())})


def create_resolver(self) -> str:
    _, _, api_id, _, type_name, _ = _path_parts(self)
    api = _api(self, api_id)
    params = json.loads(self.body)
    resolver = {
        "kind": "UNIT",
        **params,
        "typeName": type_name,
        "resolverArn": f"{api.arn}/types/{type_name}/resolvers/{params['fieldName']}",
    }
    local_state(api)["resolvers"][(type_name, params["fieldName"])] = resolver
    return json.dumps({"resolver": resolver})


def get_resolver(self) -> str:
    _, _, api_id, _, type_name, _, field = _path_parts(self)
    resolver = local_state(_api(self, api_id))["resolvers"].get((type_name, field))
    if resolver is None:
        raise _not_found(f"No resolver found for {type_name}.{field}")
    return json.dumps({"resolver": resolver})


def update_resolver(self) -> str:
    _, _, api_id, _, type_name, _, field = _path_parts(self)
    api = _api(self, api_id)
    resolvers = local_state(api)["resolvers"]
    if (type_name, field) not in resolvers:
        raise _not_found(f"No resolver found for {type_name}.{field}")
    arn = resolvers[(type_name, field)]["resolverArn"]
    resolvers[(type_name, field)] = {
        "kind": "UNIT",
        **json.loads(self.body),
        "typeName": type_name,
        "fieldName": field,
        "resolverArn": arn,
    }
    return json.dumps({"resolver": resolvers[(type_name, field)]})


def delete_resolver(self) -> str:
    _, _, api_id, _, type_name, _, field = _path_parts(self)
    if local_state(_api(self, api_id))["resolvers"].pop((type_name, field), None) is None:
        raise _not_found(f"No resolver found for {type_name}.{field}")
    return "{}"


def list_resolvers(self) -> str:
    _, _, api_id, _, type_name, _ = _path_parts(self)
    resolvers = local_state(_api(self, api_id))["resolvers"]
    return json.dumps({"resolvers": [r for (t, _), r in resolvers.items() if t == type_name]})


# Settings of CreateGraphqlApi that moto drops, with AppSync's defaults when not given.
KEPT_SETTINGS = {
    "queryDepthLimit": 0,
    "resolverCountLimit": 0,
    "introspectionConfig": "ENABLED",
    "apiType": "GRAPHQL",
    "ownerContact": None,
    "enhancedMetricsConfig": None,
    "environmentVariables": None,
}


def _on_the_hour(epoch_seconds: int) -> int:
    return int(epoch_seconds) // 3600 * 3600


def install(endpoint: str, realtime) -> None:
    """Patch moto's AppSync (see the module's docstring); `realtime` serves the subscriptions."""
    from moto.appsync.responses import AppSyncResponse

    paths = in_place("moto.appsync.urls.url_paths")
    paths["{0}/v1/apis/(?P<api_id>[^/]+)/datasources$"] = AppSyncResponse.dispatch
    paths["{0}/v1/apis/(?P<api_id>[^/]+)/datasources/(?P<name>[^/]+)$"] = AppSyncResponse.dispatch
    for handler in (
        create_data_source,
        get_data_source,
        update_data_source,
        delete_data_source,
        list_data_sources,
        create_resolver,
        get_resolver,
        update_resolver,
        delete_resolver,
        list_resolvers,
    ):
        add(f"AppSyncResponse.{handler.__name__}", handler)

    def keeping_settings(original):
        def respond(self) -> str:
            answer = json.loads(original(self))
            api = _api(self, answer["graphqlApi"]["apiId"])
            params = {k: v for k, v in json.loads(self.body).items() if k != "tags"}
            local_state(api)["config"] = params
            graphql_api = api.to_json()
            graphql_api["tags"] = answer["graphqlApi"].get("tags")
            return json.dumps({"graphqlApi": graphql_api})

        return respond

    replace(
        "AppSyncResponse.create_graphql_api",
        keeping_settings(AppSyncResponse.create_graphql_api),
    )
    replace(
        "AppSyncResponse.update_graphql_api",
        keeping_settings(AppSyncResponse.update_graphql_api),
    )

    def api_init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        # AppSync's ids are 26 lowercase letters and digits; moto's UUIDs have dashes, which
        # the AWS provider takes for the separator of "<api id>-<name>" resource ids.
        self.api_id = uuid.uuid4().hex[:26]
        self.arn = f"{self.arn.rsplit('/', 1)[0]}/{self.api_id}"

    original_init = replace("GraphqlAPI.__init__", api_init)

    def key_to_json(self) -> dict:
        answer = original_key_to_json(self)
        # AppSync answers epoch seconds as integers; the provider cannot read moto's floats.
        return {**answer, "expires": int(answer["expires"]), "deletes": int(answer["deletes"])}

    original_key_to_json = replace("GraphqlAPIKey.to_json", key_to_json)

    # CreateApiKey and UpdateApiKey: "rounded down to the nearest hour" (AppSync API
    # reference, CreateApiKey's expires), as moto does only for its default.
    def key_init(self, description: str, expires: int | None) -> None:
        original_key_init(self, description, expires and _on_the_hour(expires))

    def key_update(self, description: str | None, expires: int | None) -> None:
        original_key_update(self, description, expires and _on_the_hour(expires))

    original_key_init = replace("GraphqlAPIKey.__init__", key_init)
    original_key_update = replace("GraphqlAPIKey.update", key_update)
    original_to_json = None

    def to_json(self) -> dict:
        answer = original_to_json(self)
        config = local_state(self)["config"]
        answer.update({k: config.get(k, default) for k, default in KEPT_SETTINGS.items()})
        for key in ("logConfig", "userPoolConfig", "openIDConnectConfig", "visibility"):
            if key in config:
                answer[key] = config[key]
        answer["xrayEnabled"] = bool(config.get("xrayEnabled", False))
        answer["uris"] = {
            "GRAPHQL": f"{endpoint}{PREFIX}{self.api_id}/graphql",
            "REALTIME": realtime.url(self.api_id),
        }
        return answer

    original_to_json = replace("GraphqlAPI.to_json", to_json)


# --- data plane: GraphQL requests -----------------------------------------------------------


def find_api(api_id: str):
    from moto.appsync.models import appsync_backends

    for regions in appsync_backends.values():
        for region, backend in regions.items():
            if api_id in backend.graphql_apis:
                return backend.graphql_apis[api_id], region
    return None, None


@functools.lru_cache(maxsize=16)
def build(definition: str):
    from graphql import build_schema

    return build_schema(definition + AWS_DEFINITIONS)


def schema_of(api):
    if api.graphql_schema is None or api.graphql_schema.status != "SUCCESS":
        return None
    return build(api.graphql_schema.definition)


def allowed_modes(schema, type_name: str, field_name: str, default: str) -> set[str]:
    """The modes that may read a field: its own directives, else its type's, else the API's
    default mode (AppSync Developer Guide, "Using additional authorization modes")."""
    parent = schema.get_type(type_name)
    for node in (parent.fields[field_name].ast_node, parent.ast_node):
        names = {d.name.value for d in ((node.directives or ()) if node else ())}
        modes = {appsync_auth.DIRECTIVES[n] for n in names if n in appsync_auth.DIRECTIVES}
        if modes:
            return modes
    return {default}


def subscribed_mutations(schema, field_name: str) -> set[str]:
    field = schema.subscription_type.fields.get(field_name) if schema.subscription_type else None
    for directive in (field.ast_node.directives or ()) if field and field.ast_node else ():
        if directive.name.value == "aws_subscribe":
            (argument,) = directive.arguments
            return {value.value for value in argument.value.values}
    return set()


def depth(path) -> int:
    return sum(1 for key in path.as_list() if isinstance(key, str))


def selection_set_list(field_nodes, prefix: str = "") -> list[str]:
    """info.selectionSetList of AppSync's Lambda event: every selected field's path."""
    from graphql import FieldNode, InlineFragmentNode

    paths: list[str] = []
    for node in field_nodes:
        for selection in node.selection_set.selections if node.selection_set else ():
            if isinstance(selection, InlineFragmentNode):
                paths += selection_set_list([selection], prefix)
            elif isinstance(selection, FieldNode) and not selection.name.value.startswith("__"):
                path = f"{prefix}{selection.name.value}"
                paths.append(path)
                paths += selection_set_list([selection], f"{path}/")
    return paths


class Execution:
    """One request's context: the API, its caller, how its fields resolve."""

    def __init__(
        self, api, region: str, schema, caller, headers: Mapping, endpoint: str, variables=None
    ):
        self.api, self.region, self.schema, self.caller = api, region, schema, caller
        self.variables = variables or {}
        state = local_state(api)
        self.config, self.resolvers = state["config"], state["resolvers"]
        self.data_sources = state["data_sources"]
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.endpoint = endpoint
        self.default_mode = self.config.get("authenticationType", appsync_auth.API_KEY)
        self.depth_limit = int(self.config.get("queryDepthLimit") or 0)
        self.root_types = {
            t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t
        }

    def resolve(self, source, info, **arguments):
        type_name, field_name = info.parent_type.name, info.field_name
        if self.depth_limit and depth(info.path) > self.depth_limit:
            raise FieldError(
                "QueryDepthLimitExceeded",
                f"Query depth limit of {self.depth_limit} exceeded at {field_name}.",
            )
        self.authorize(type_name, field_name)
        resolver = self.resolvers.get((type_name, field_name))
        if resolver is not None:
            return self.invoke(resolver, source, info, arguments)
        if isinstance(source, Mapping):
            return source.get(info.field_name)
        return getattr(source, info.field_name, None)

    def authorize(self, type_name: str, field_name: str) -> None:
        modes = allowed_modes(self.schema, type_name, field_name, self.default_mode)
        allowed = self.caller.mode in modes
        if allowed and self.caller.mode == appsync_auth.IAM and type_name in self.root_types:
            allowed = appsync_auth.iam_may(
                self.caller, self.api.arn, type_name, field_name, self.region
            )
        if not allowed:
            raise FieldError(
                "Unauthorized", f"Not Authorized to access {field_name} on type {type_name}"
            )

    def invoke(self, resolver: Mapping, source, info, arguments: dict):
        from botocore.exceptions import ClientError

        data_source = self.data_sources.get(resolver.get("dataSourceName") or "")
        if (
            resolver.get("kind", "UNIT") != "UNIT"
            or data_source is None
            or data_source.get("type") != "AWS_LAMBDA"
            or resolver.get("requestMappingTemplate")
            or resolver.get("code")
        ):
            raise FieldError(
                "UnsupportedByLocalAws",
                "only direct Lambda resolvers (UNIT, AWS_LAMBDA, no mapping template or code) "
                "run on the local AWS",
            )
        role = data_source.get("serviceRoleArn")
        if role and not authorization.service_may(
            "appsync.amazonaws.com",
            "sts:AssumeRole",
            role,
            self.region,
            SourceArn=self.api.arn,
            SourceAccount=ACCOUNT,
        ):
            raise FieldError(
                "Lambda:IAMRoleAssumptionFailed",
                f"AppSync could not assume the data source role {role}",
            )
        event = {
            "arguments": arguments,
            "identity": self.caller.identity,
            "source": source,
            "request": {"headers": self.headers, "domainName": None},
            "prev": None,
            "info": {
                "selectionSetList": selection_set_list(info.field_nodes),
                "selectionSetGraphQL": "",
                "parentTypeName": info.parent_type.name,
                "fieldName": info.field_name,
                "variables": self.variables,
            },
            "stash": {},
        }
        function = data_source["lambdaConfig"]["lambdaFunctionArn"]
        client = lambda_client(self.endpoint, self.region, role)
        try:
            answer = client.invoke(FunctionName=function, Payload=json.dumps(event, default=str))
        except ClientError as error:
            raise FieldError(
                f"Lambda:{error.response['Error']['Code']}", error.response["Error"]["Message"]
            ) from None
        payload = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError"):
            raise FieldError(payload.get("errorType"), payload.get("errorMessage", ""))
        return payload


@functools.lru_cache(maxsize=64)
def lambda_client(endpoint: str, region: str, role: str | None):
    from botocore.config import Config

    config = Config(retries={"max_attempts": 1}, read_timeout=35)
    return authorization.session_client(
        "lambda", endpoint, region, role, ASSUMED_SESSION, config=config
    )


def location(source_location) -> dict:
    return {"line": source_location.line, "column": source_location.column, "sourceName": None}


def field_error(error) -> dict:
    original = error.original_error
    return {
        "path": error.path,
        "data": None,
        "errorType": getattr(original, "error_type", None),
        "errorInfo": None,
        "locations": [location(loc) for loc in error.locations or []],
        "message": original.message if isinstance(original, FieldError) else error.message,
    }


UNDEFINED_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")


def validation_error(error) -> dict:
    """graphql-core's validation error in graphql-java's words, as AppSync answers."""
    undefined = UNDEFINED_FIELD.match(error.message)
    if undefined:
        field, parent = undefined.groups()
        message = (
            f"Validation error of type FieldUndefined: Field '{field}' in type '{parent}' is "
            f"undefined @ '{field}'"
        )
    else:
        message = f"Validation error: {error.message}"
    return {
        "path": None,
        "locations": [location(loc) for loc in error.locations or []],
        "message": message,
    }


class Document:
    """A parsed and validated request, or its errors in AppSync's shape."""

    def __init__(self, schema, query, introspection: bool) -> None:
        from graphql import GraphQLError, parse, validate
        from graphql.validation import specified_rules

        self.document, self.errors = None, []
        if not isinstance(query, str) or not query.strip():
            self.errors = [
                {"errorType": "MalformedHttpRequestException", "message": "No query provided."}
            ]
            return
        try:
            document = parse(query)
        except GraphQLError as error:
            self.errors = [
                {
                    "path": None,
                    "locations": [location(loc) for loc in error.locations or []],
                    "message": f"Invalid Syntax : {error.message}",
                    "errorType": "InvalidSyntax",
                }
            ]
            return
        rules = list(specified_rules)
        if not introspection:
            rules.append(NoIntrospection)
        found = validate(schema, document, rules)
        if found:
            self.errors = [validation_error(error) for error in found]
            return
        self.document = document


def _no_introspection():
    from graphql import GraphQLError, ValidationRule

    class Rule(ValidationRule):
        """Introspection switched off (introspectionConfig DISABLED): __schema and __type are
        unknown fields, as AppSync answers (AppSync Developer Guide, "Using the introspection
        feature")."""

        def enter_field(self, node, *_):
            if node.name.value in ("__schema", "__type"):
                self.report_error(
                    GraphQLError(f"Cannot query field '{node.name.value}' on type 'Query'.", node)
                )

    return Rule


NoIntrospection = _no_introspection()


def operation_of(document, operation_name: str | None):
    from graphql import get_operation_ast

    return get_operation_ast(document, operation_name)


class GraphqlEndpoint:
    """POST /_localaws/appsync/<api id>/graphql."""

    def __init__(self, endpoint: str, realtime) -> None:
        self.endpoint, self.realtime = endpoint, realtime

    def __call__(self, request: Request) -> Response:
        api_id, _, rest = request.path.removeprefix(PREFIX).partition("/")
        api, region = find_api(api_id)
        if api is None or rest != "graphql":
            return _json(
                {"errors": [{"errorType": "NotFoundException", "message": "Not Found"}]}, 404
            )
        if request.method != "POST":
            return _json(
                {"errors": [{"errorType": "MethodNotAllowed", "message": "POST only"}]}, 405
            )
        body = request.get_data()
        try:
            caller = appsync_auth.authenticate(
                api,
                local_state(api)["config"],
                "POST",
                request.url,
                request.headers,
                body,
                request.remote_addr or "127.0.0.1",
            )
        except appsync_auth.Unauthorized as refused:
            return _json(refused.body(), refused.status)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            return _json(
                {
                    "errors": [
                        {
                            "errorType": "MalformedHttpRequestException",
                            "message": "Unable to parse the JSON document.",
                        }
                    ]
                },
                400,
            )
        status, answer = self.execute(api, region, caller, request.headers, payload)
        return _json(answer, status)

    def execute(self, api, region: str, caller, headers, payload: Mapping) -> tuple[int, dict]:
        """Run one GraphQL request as the caller; publish what a mutation returned."""
        from graphql import OperationType, execute

        schema = schema_of(api)
        if schema is None:
            return 400, {
                "errors": [
                    {"errorType": "BadRequestException", "message": "The API has no valid schema."}
                ]
            }
        config = local_state(api)["config"]
        parsed = Document(
            schema, payload.get("query"), config.get("introspectionConfig", "ENABLED") == "ENABLED"
        )
        if parsed.errors:
            return 200, {"data": None, "errors": parsed.errors}
        context = Execution(
            api, region, schema, caller, headers, self.endpoint, payload.get("variables")
        )
        operation = operation_of(parsed.document, payload.get("operationName"))
        if operation is not None and operation.operation == OperationType.SUBSCRIPTION:
            return 200, {
                "data": None,
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "Subscriptions are served on the real-time WebSocket endpoint.",
                    }
                ],
            }
        result = execute(
            schema,
            parsed.document,
            context_value=context,
            variable_values=payload.get("variables"),
            operation_name=payload.get("operationName"),
            field_resolver=context.resolve,
        )
        answer: dict = {"data": result.data}
        if result.errors:
            answer["errors"] = [field_error(error) for error in result.errors]
        if operation is not None and operation.operation == OperationType.MUTATION and result.data:
            for node in operation.selection_set.selections:
                key = node.alias.value if node.alias else node.name.value
                if result.data.get(key) is not None:
                    self.realtime.publish(api.api_id, node.name.value, result.data[key])
        return 200, answer


def _json(body, status: int = 200) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        mimetype="application/json",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


# --- EventBridge rules with an AppSync target -------------------------------------------------

EVENTS_SESSION = "EventBridgeAppSyncTarget"


def event_target(graphql: GraphqlEndpoint) -> Callable[[Delivery, str], None]:
    """How EventBridge delivers to an AppSync target (EventBridge User Guide, "AWS AppSync targets
    for rules"): the target's GraphQL operation runs with the transformed input as its variables,
    as a session of the target's role (which must trust events.amazonaws.com for the rule), with
    AWS_IAM authorization; moto delivers no AppSync targets."""

    def deliver(delivery: Delivery, payload: str) -> None:
        target = delivery.target
        api, region = find_api(target["Arn"].rsplit("/", 1)[-1])
        if api is None:
            raise DeliveryFailed("RESOURCE_NOT_FOUND", f"No AppSync API {target['Arn']}", False)
        role = target.get("RoleArn")
        if not role or not authorization.service_may(
            "events.amazonaws.com",
            "sts:AssumeRole",
            role,
            region,
            SourceArn=delivery.rule_arn,
            SourceAccount=delivery.account,
        ):
            raise DeliveryFailed("NO_PERMISSIONS", f"EventBridge may not assume {role}", False)
        principal = authorization.Principal.session(role, EVENTS_SESSION)
        identity = {"accountId": ACCOUNT, "userArn": principal.arn, "username": EVENTS_SESSION}
        caller = appsync_auth.Caller(appsync_auth.IAM, identity, principal)
        request = {
            "query": (target.get("AppSyncParameters") or {}).get("GraphQLOperation"),
            "variables": json.loads(payload),
        }
        status, answer = graphql.execute(api, region, caller, {}, request)
        if status != 200 or answer.get("errors"):
            raise DeliveryFailed(f"HTTP_{status}", f"The AppSync target answered {answer}")

    return deliver
