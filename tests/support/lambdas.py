"""Create throwaway Lambda functions on the local AWS from inline source (for runtime tests)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from tests.support.iam import ALLOW_ALL, service_role


def zip_source(source: str, package: str = "fn") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{package}/__init__.py", "")
        archive.writestr(f"{package}/handler.py", source)
    return buffer.getvalue()


def create_function(local_aws, source: str, statements=ALLOW_ALL, **config) -> str:
    """A function whose role Lambda may assume, allowed `statements` (everything by default)."""
    name = config.pop("name", f"fn-{uuid.uuid4().hex[:8]}")
    role = service_role(local_aws, "lambda.amazonaws.com", statements, name=f"{name}-role")
    local_aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="fn.handler.lambda_handler",
        Code={"ZipFile": zip_source(source)},
        **config,
    )
    return name


def invoke(local_aws, name: str, event: dict | None = None) -> tuple[str | None, object]:
    response = local_aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    return response.get("FunctionError"), json.loads(response["Payload"].read())
