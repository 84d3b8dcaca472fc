"""Embedded local AWS for the demo and the tests: moto's server with a docker-free Lambda runtime
and the fixes the workflows need (see server.py and the README's list of divergences)."""

REGION = "us-east-1"


def client(service: str, endpoint: str, region: str = REGION, **kwargs):
    """A boto3 client of the local AWS at `endpoint` (any credentials do; these name it)."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="localaws",
        aws_secret_access_key="localaws",
        **kwargs,
    )
