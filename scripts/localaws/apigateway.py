"""Invoking API Gateway HTTP APIs on the local AWS.

moto stores HTTP APIs, routes, integrations and stages but serves no requests to them. Here a
request to `/_localaws/execute-api/<api-id>/<path>` (what `https://<api-id>.execute-api.<region>
.amazonaws.com/<path>` is on AWS, for the `$default` stage) is matched to the API's route and run
through its integration. Implemented: AWS_PROXY integrations with the subtype
StepFunctions-StartExecution, whose request parameters are mapped from `$request.body`,
`$request.path.<name>`, `$request.header.<name>`, `$request.querystring.<name>`,
`$context.requestId` or literals, as API Gateway maps them. Route authorization (AWS_IAM, JWT)
is not checked, as IAM is not enforced anywhere on the local AWS. Other integrations answer 500
with a message naming what is unsupported.
"""

from __future__ import annotations

import json
import re
import uuid

from werkzeug.wrappers import Request, Response

from . import REGION, authorization

PREFIX = "/_localaws/execute-api/"
START_EXECUTION = {"StateMachineArn": "stateMachineArn", "Name": "name", "Input": "input"}


def route_matches(route_key: str, method: str, path: str) -> dict[str, str] | None:
    """The path parameters when `route_key` ("POST /riders/{id}", "ANY /x", "$default")
    matches the request, else None."""
    if route_key == "$default":
        return {}
    route_method, _, route_path = route_key.partition(" ")
    if route_method not in ("ANY", method):
        return None
    pattern = re.sub(
        r"\\\{(\w+)(\\\+)?\\\}",
        lambda m: f"(?P<{m[1]}>.+)" if m[2] else f"(?P<{m[1]}>[^/]+)",
        re.escape(route_path),
    )
    found = re.fullmatch(pattern, path)
    return found.groupdict() if found else None


def find_route(routes, method: str, path: str):
    """The route API Gateway picks: an exact or parameterised match before `$default`."""
    matches = [(r, route_matches(r.route_key, method, path)) for r in routes]
    matches = [(r, params) for r, params in matches if params is not None]
    matches.sort(key=lambda m: m[0].route_key == "$default")
    return matches[0] if matches else (None, None)


def map_parameter(value: str, request: Request, path_params: dict, request_id: str) -> str:
    if value == "$request.body":
        return request.get_data(as_text=True)
    if value == "$context.requestId":
        return request_id
    source, _, name = value.removeprefix("$request.").partition(".")
    if value.startswith("$request.") and source == "path":
        return path_params.get(name, "")
    if value.startswith("$request.") and source == "header":
        return request.headers.get(name, "")
    if value.startswith("$request.") and source == "querystring":
        return request.args.get(name, "")
    return value


class HttpApiInvoker:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __call__(self, request: Request) -> Response:
        from moto.apigatewayv2.models import apigatewayv2_backends

        api_id, _, rest = request.path.removeprefix(PREFIX).partition("/")
        api = next(
            (
                backend.apis[api_id]
                for regions in apigatewayv2_backends.values()
                for backend in regions.values()
                if api_id in backend.apis
            ),
            None,
        )
        if api is None:
            return _json({"message": "Not Found"}, 404)
        route, path_params = find_route(list(api.routes.values()), request.method, f"/{rest}")
        if route is None or not (route.target or "").startswith("integrations/"):
            return _json({"message": "Not Found"}, 404)
        integration = api.integrations[route.target.removeprefix("integrations/")]
        kind = (integration.integration_type, integration.integration_subtype)
        if kind != ("AWS_PROXY", "StepFunctions-StartExecution"):
            return _json({"message": f"integration {kind} is not supported by the local AWS"}, 500)
        request_id = str(uuid.uuid4())
        arguments = {
            START_EXECUTION[key]: map_parameter(value, request, path_params, request_id)
            for key, value in (integration.request_parameters or {}).items()
            if key in START_EXECUTION
        }
        return self._start_execution(arguments, integration.credentials_arn)

    def _start_execution(self, arguments: dict, role_arn: str | None) -> Response:
        from botocore.exceptions import ClientError

        # API Gateway calls Step Functions with a session of the integration's credentials role.
        stepfunctions = authorization.session_client(
            "stepfunctions", self.endpoint, REGION, role_arn, "apigateway"
        )
        try:
            started = stepfunctions.start_execution(**arguments)
        except ClientError as exc:
            # API Gateway passes the service's error through with its status code.
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
            return _json({"__type": exc.response["Error"]["Code"], **exc.response["Error"]}, status)
        return _json(
            {"executionArn": started["executionArn"], "startDate": started["startDate"].timestamp()}
        )


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
