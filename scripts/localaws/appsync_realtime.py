"""AppSync's real-time endpoint on the local AWS: GraphQL subscriptions over WebSockets, in
AppSync's protocol (AppSync Developer Guide, "Building a real-time WebSocket client in AWS
AppSync"), so that AppSync clients (gql's AppSyncWebsocketsTransport, Amplify) work against it.

A client connects to `ws://<host>:<port>/<api id>/graphql?header=<base64 JSON>&payload=e30=`
with the `graphql-ws` subprotocol; `header` carries its authorization as for a POST to the API
(`host` and `x-api-key`, `Authorization` with a JWT, or the SigV4 headers of a POST of `{}` to
`https://<host>/graphql/connect`). Then: `connection_init` → `connection_ack` (and `ka` every
minute); `start` {id, payload {data: the JSON request, extensions {authorization}}}, authorized
again (SigV4 of the request to `/graphql`), validated and checked against the field's
directives → `start_ack` or `error`; each mutation the subscription field names in
`@aws_subscribe`, when its result matches the subscription's arguments (each given argument
equals the result's field of that name), → `data` with the subscription's selection of it; `stop`
→ `complete`. A refused connection gets `connection_error` with AppSync's errors.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from . import appsync, appsync_auth

log = logging.getLogger("localaws.appsync")
KEEP_ALIVE_SECONDS = 60
CONNECTION_TIMEOUT_MS = 300_000


@dataclass
class Subscription:
    connection: object
    id: str
    api_id: str
    document: object
    field: str  # the Subscription field (not its alias)
    key: str  # its key in the answer (the alias, if any)
    arguments: dict
    variables: dict | None
    operation_name: str | None
    caller: appsync_auth.Caller
    headers: dict


class RealtimeServer:
    """The WebSocket server, in a thread of its own with its own event loop."""

    def __init__(self, host: str, endpoint: str) -> None:
        self.host, self.endpoint = host, endpoint
        self.port = 0
        self.subscriptions: dict[tuple[int, str], Subscription] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future | None = None
        self._thread = threading.Thread(target=self._run, name="appsync-realtime", daemon=True)

    def url(self, api_id: str) -> str:
        return f"ws://{self.host}:{self.port}/{api_id}/graphql"

    def start(self) -> RealtimeServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        self._stop = self._loop.create_future()
        async with serve(self._connection, self.host, 0, subprotocols=["graphql-ws"]) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop

    # --- publishing (from the HTTP server's threads) ------------------------------------------

    def publish(self, api_id: str, mutation: str, value) -> None:
        """A mutation of the API returned `value`: tell the subscriptions that name it."""
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._publish(api_id, mutation, value), self._loop)

    async def _publish(self, api_id: str, mutation: str, value) -> None:
        api, region = appsync.find_api(api_id)
        schema = appsync.schema_of(api) if api else None
        if schema is None:
            return
        for subscription in list(self.subscriptions.values()):
            if subscription.api_id != api_id:
                continue
            if mutation not in appsync.subscribed_mutations(schema, subscription.field):
                continue
            if not matches(subscription.arguments, value):
                continue
            data = self._project(api, region, schema, subscription, value)
            await self._send(
                subscription.connection, {"id": subscription.id, "type": "data", "payload": data}
            )

    def _project(self, api, region, schema, subscription: Subscription, value) -> dict:
        """The subscription's selection of the mutation's result, run as its caller."""
        from graphql import execute

        context = appsync.Execution(
            api,
            region,
            schema,
            subscription.caller,
            subscription.headers,
            self.endpoint,
            subscription.variables,
        )
        result = execute(
            schema,
            subscription.document,
            root_value={subscription.field: value},
            context_value=context,
            variable_values=subscription.variables,
            operation_name=subscription.operation_name,
            field_resolver=context.resolve,
        )
        payload: dict = {"data": result.data}
        if result.errors:
            payload["errors"] = [appsync.field_error(error) for error in result.errors]
        return payload

    # --- one connection -----------------------------------------------------------------------

    async def _connection(self, connection) -> None:
        target = urlsplit(connection.request.path)
        api_id = target.path.strip("/").split("/")[0]
        try:
            api, caller_headers = self._connect(api_id, parse_qs(target.query))
            refused = None
        except appsync_auth.Unauthorized as error:
            api, caller_headers, refused = None, {}, error
        keep_alive = None
        try:
            async for message in connection:
                try:
                    request = json.loads(message)
                except ValueError:
                    continue
                kind = request.get("type")
                if kind == "connection_init":
                    if refused is not None:
                        await self._send(
                            connection, {"type": "connection_error", "payload": refused.body()}
                        )
                        await connection.close()
                        return
                    await self._send(
                        connection,
                        {
                            "type": "connection_ack",
                            "payload": {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS},
                        },
                    )
                    await self._send(connection, {"type": "ka"})
                    keep_alive = asyncio.ensure_future(self._keep_alive(connection))
                elif kind == "start" and api is not None:
                    await self._start(connection, api_id, request, caller_headers)
                elif kind == "stop":
                    self.subscriptions.pop((id(connection), str(request.get("id"))), None)
                    await self._send(connection, {"type": "complete", "id": request.get("id")})
        except Exception:  # a client that went away
            log.debug("real-time connection ended", exc_info=True)
        finally:
            if keep_alive is not None:
                keep_alive.cancel()
            for key in [k for k in self.subscriptions if k[0] == id(connection)]:
                del self.subscriptions[key]

    def _connect(self, api_id: str, query: dict):
        api, _ = appsync.find_api(api_id)
        if api is None:
            raise appsync_auth.Unauthorized("Not Found", "NotFoundException", 404)
        try:
            headers = json.loads(base64.b64decode(query["header"][0]))
        except (KeyError, ValueError):
            raise appsync_auth.Unauthorized(
                'Both, the "header", and the "payload" query string parameters are missing'
            ) from None
        self._authenticate(api, headers, "/graphql/connect", b"{}")
        return api, headers

    @staticmethod
    def _authenticate(api, headers: dict, path: str, body: bytes) -> appsync_auth.Caller:
        host = headers.get("host", "")
        return appsync_auth.authenticate(
            api,
            appsync.local_state(api)["config"],
            "POST",
            f"https://{host}{path}",
            headers,
            body,
            "127.0.0.1",
        )

    async def _start(
        self, connection, api_id: str, request: dict, connection_headers: dict
    ) -> None:
        from graphql import FieldNode, OperationType, get_operation_ast
        from graphql.execution.values import get_argument_values

        subscription_id = str(request.get("id"))
        payload = request.get("payload") or {}
        data = payload.get("data") or ""
        headers = (payload.get("extensions") or {}).get("authorization") or connection_headers
        api, region = appsync.find_api(api_id)
        try:
            caller = self._authenticate(api, headers, "/graphql", data.encode())
            body = json.loads(data)
            schema = appsync.schema_of(api)
            introspection = (
                appsync.local_state(api)["config"].get("introspectionConfig", "ENABLED")
                == "ENABLED"
            )
            parsed = appsync.Document(schema, body.get("query"), introspection)
            if parsed.errors:
                await self._error(connection, subscription_id, parsed.errors)
                return
            operation = get_operation_ast(parsed.document, body.get("operationName"))
            if operation is None or operation.operation != OperationType.SUBSCRIPTION:
                await self._error(
                    connection,
                    subscription_id,
                    [
                        {
                            "errorType": "UnsupportedOperation",
                            "message": "Only subscriptions are served on the real-time endpoint.",
                        }
                    ],
                )
                return
            (node,) = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
            field = node.name.value
            context = appsync.Execution(api, region, schema, caller, headers, self.endpoint)
            context.authorize(schema.subscription_type.name, field)
            arguments = get_argument_values(
                schema.subscription_type.fields[field],
                node,
                coerce_variables(schema, operation, body.get("variables")),
            )
        except appsync_auth.Unauthorized as refused:
            await self._error(connection, subscription_id, refused.body()["errors"])
            return
        except appsync.FieldError as refused:
            await self._error(
                connection,
                subscription_id,
                [{"errorType": refused.error_type, "message": refused.message}],
            )
            return
        except ValueError as malformed:
            await self._error(
                connection,
                subscription_id,
                [{"errorType": "MalformedHttpRequestException", "message": str(malformed)}],
            )
            return
        self.subscriptions[(id(connection), subscription_id)] = Subscription(
            connection,
            subscription_id,
            api_id,
            parsed.document,
            field,
            node.alias.value if node.alias else field,
            arguments,
            body.get("variables"),
            body.get("operationName"),
            caller,
            headers,
        )
        await self._send(connection, {"type": "start_ack", "id": subscription_id})

    async def _error(self, connection, subscription_id: str, errors: list) -> None:
        await self._send(
            connection, {"type": "error", "id": subscription_id, "payload": {"errors": errors}}
        )

    async def _keep_alive(self, connection) -> None:
        while True:
            await asyncio.sleep(KEEP_ALIVE_SECONDS)
            await self._send(connection, {"type": "ka"})

    @staticmethod
    async def _send(connection, message: dict) -> None:
        await connection.send(json.dumps(message))


def coerce_variables(schema, operation, variables) -> dict:
    from graphql.execution.values import get_variable_values

    coerced = get_variable_values(schema, operation.variable_definitions or [], variables or {})
    if isinstance(coerced, list):  # the errors
        raise ValueError("; ".join(error.message for error in coerced))
    return coerced


def matches(arguments: dict, value) -> bool:
    """AppSync's subscription filter: each argument given equals the result's field of that
    name (AppSync Developer Guide, "Subscriptions": arguments)."""
    if not isinstance(value, dict):
        return not any(v is not None for v in arguments.values())
    return all(
        value.get(name) == wanted for name, wanted in arguments.items() if wanted is not None
    )
