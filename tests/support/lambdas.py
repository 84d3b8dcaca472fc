"""Create throwaway Lambda functions on the local AWS from inline source (for runtime tests)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile


def zip_source(source: str, package: str = "fn") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{package}/__init__.py", "")
        archive.writestr(f"{package}/handler.py", source)
    return buffer.getvalue()


def create_function(local_aws, source: str, **config) -> str:
    iam = local_aws.client("iam")
    name = config.pop("name", f"fn-{uuid.uuid4().hex[:8]}")
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
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
