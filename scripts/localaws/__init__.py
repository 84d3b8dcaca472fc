"""Embedded local AWS for the demo and the tests: moto's server with a docker-free Lambda runtime
and the fixes the workflows need (see server.py and the README's list of divergences)."""

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account for every access key


def client(
    service: str, endpoint: str, region: str = REGION, credentials: dict | None = None, **kwargs
):
    """A boto3 client of the local AWS at `endpoint`: the deployer's (an administrator) unless
    given a role session's `credentials` (AccessKeyId, SecretAccessKey, SessionToken)."""
    import boto3

    keys = credentials or {"AccessKeyId": "localaws", "SecretAccessKey": "localaws"}
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        **kwargs,
    )
