"""The embedded local AWS: moto's server plus the small, isolated fixes the workflows need.

Each fix lives in its own module with an ``install`` function; this file wires them together,
adds a control API under ``/_localaws/`` for tests (fault injection, invocation records), serves
HTTP API invocations under ``/_localaws/execute-api/`` and everything on one loopback port.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import apigateway, appsync, appsync_realtime, authorization, lambda_runtime
from .lambda_runtime import Fault, LocalLambdaRuntime
from .moto_internals import replace

log = logging.getLogger("localaws")
CONTROL_PREFIX = "/_localaws/"


def _install_unsupported_fast_fail() -> None:
    """moto answers an unimplemented call with HTTP 500, which SDKs (and so Terraform) retry for
    minutes; answer 400 with a clear error instead so the caller fails at once."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult

    class UnsupportedByLocalAws(ServiceException):
        code = "UnsupportedByLocalAws"

    def call_action(self):
        try:
            return original(self)
        except NotImplementedError as exc:
            error = UnsupportedByLocalAws(f"{exc} by the local AWS (moto); see README divergences")
            _, headers, body = self.serialized(ActionResult(error))
            return 400, headers, body

    original = replace("BaseResponse.call_action", call_action)


def _list_moto_modules_once() -> None:
    """moto's dispatcher lists moto's package directory (a stat per entry) on every request to
    find the service: ~8 % of the server's CPU in make test. The list does not change."""

    def listed() -> tuple[str, ...]:
        return modules

    modules = tuple(replace("list_of_moto_modules", listed)())


class ControlApi:
    """JSON endpoints the tests use: /_localaws/health, /faults, /invocations, /workers, /iam."""

    def __init__(self, runtime: LocalLambdaRuntime, authorizer: authorization.Authorizer) -> None:
        self.runtime = runtime
        self.authorizer = authorizer

    def __call__(self, request: Request) -> Response:
        route = request.path.removeprefix(CONTROL_PREFIX).strip("/")
        if route == "health":
            return self._json({"status": "ok"})
        if route == "faults" and request.method == "POST":
            spec = request.get_json()
            fault = Fault(
                error_type=spec.get("error_type", "InjectedFault"),
                message=spec.get("message", "fault injected by the local AWS"),
                remaining=int(spec.get("count", 1)),
                timeout=bool(spec.get("timeout", False)),
            )
            self.runtime.faults.add(spec["function"], fault)
            return self._json({"added": asdict(fault)})
        if route == "faults" and request.method == "DELETE":
            self.runtime.faults.clear()
            return self._json({"cleared": True})
        if route == "invocations":
            name = request.args.get("function")
            records = [
                asdict(r) for r in self.runtime.invocations if name in (None, r.function_name)
            ]
            return self._json({"invocations": records})
        if route == "workers" and request.method == "POST":
            spec = request.get_json()
            max_workers, idle = spec.get("max_per_function"), spec.get("idle_seconds")
            self.runtime.configure(
                max_workers=None if max_workers is None else int(max_workers),
                idle_seconds=None if idle is None else float(idle),
            )
        if route == "workers":
            return self._json(self.runtime.workers())
        if route == "iam" and request.method == "POST":
            mode = request.get_json().get("mode")
            if mode not in authorization.MODES:
                return self._json({"error": f"mode must be one of {authorization.MODES}"}, 400)
            self.authorizer.mode = mode
            return self._json({"mode": mode})
        if route == "iam":
            # What IAM allowed (and by which statements) and denied: the least-privilege report.
            return self._json(
                {
                    "mode": self.authorizer.mode,
                    "allowed": self.authorizer.usage.as_list(),
                    "denied": list(self.authorizer.denials),
                }
            )
        return self._json({"error": f"unknown control route {route!r}"}, 404)

    @staticmethod
    def _json(body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")


class LocalAws:
    """moto's WSGI app with the local fixes installed and the control API in front of it."""

    def __init__(
        self,
        host: str,
        port: int,
        state_dir: Path,
        sdk_dir: Path | None,
        lambda_max_workers: int = lambda_runtime.MAX_WORKERS,
        lambda_idle_seconds: float = lambda_runtime.IDLE_SECONDS,
    ) -> None:
        self.host, self.port = host, port
        # moto reads these when it builds clients that call back into the server.
        os.environ["MOTO_PORT"] = str(port)
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from . import (
            cloudwatch,
            distributed_map,
            eventbridge,
            events,
            glue,
            lambda_service,
            mediaconvert,
            redrive,
            rekognition,
            s3,
            sns,
            sqs,
            stepfunctions,
        )

        endpoint = f"http://{host}:{port}"
        self.authorizer = authorization.Authorizer()
        authorization.install(self.authorizer)
        self.runtime = LocalLambdaRuntime(
            state_dir, endpoint, sdk_dir, lambda_max_workers, lambda_idle_seconds
        )
        self.lambda_service = lambda_service.LambdaService(self.runtime)
        lambda_service.install(self.lambda_service)
        events.install_s3_notifications(self.lambda_service)
        self.poller = events.SqsPoller(self.lambda_service)
        self.poller.start()
        self.eventbridge = eventbridge.EventBridge(self.lambda_service, endpoint)
        self.eventbridge.install()
        stepfunctions.install()
        distributed_map.install()
        rekognition.install()
        mediaconvert.install(endpoint)
        s3.install()
        sns.install()
        sqs.install()
        glue.install(state_dir, endpoint)
        redrive.install()
        self.realtime = appsync_realtime.RealtimeServer(host, endpoint).start()
        appsync.install(endpoint, self.realtime)
        self.graphql = appsync.GraphqlEndpoint(endpoint, self.realtime)
        self.eventbridge.add_target_type("appsync", appsync.event_target(self.graphql))
        _install_unsupported_fast_fail()
        _list_moto_modules_once()
        self.alarms = cloudwatch.AlarmEvaluator()
        self.alarms.start()

        self.control = ControlApi(self.runtime, self.authorizer)
        self.http_apis = apigateway.HttpApiInvoker(endpoint)
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(host, port, self, threaded=True)

    def __call__(self, environ, start_response):
        self.authorizer.serving(None)  # a kept-alive connection's thread serves many callers
        path = environ.get("PATH_INFO", "")
        if path.startswith(apigateway.PREFIX):  # before the control API, which shares its prefix
            return self.http_apis(Request(environ))(environ, start_response)
        if path.startswith(appsync.PREFIX):
            return self.graphql(Request(environ))(environ, start_response)
        if path.startswith(CONTROL_PREFIX):
            return self.control(Request(environ))(environ, start_response)
        return self.moto_app(environ, start_response)

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="localaws", daemon=True)
        thread.start()
        return thread

    def shutdown(self) -> None:
        self._server.shutdown()
        self.realtime.stop()
        self.alarms.stop()
        self.poller.stop()
        self.eventbridge.shutdown()
        self.lambda_service.shutdown()
        self.runtime.shutdown()
