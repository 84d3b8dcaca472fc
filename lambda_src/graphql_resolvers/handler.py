"""The GraphQL API's direct Lambda resolver: AppSync invokes it for every field the module maps
to its Lambda data source (Query.*, Mutation.*, Rider.photoProcessing); Powertools'
AppSyncResolver routes each to the function of `queries` that answers it."""

from __future__ import annotations

import functools
import os

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import AppSyncResolver
from lambda_common.env import env_optional, env_text

from graphql_resolvers import queries

logger = Logger(service="graphql_resolvers")
app = AppSyncResolver()


@functools.cache
def table():
    return boto3.resource("dynamodb").Table(env_text("RIDER_TABLE", env=os.environ))


@functools.cache
def sfn():
    return boto3.client("stepfunctions")


def rider_machine() -> str:
    return env_text("RIDER_STATE_MACHINE_ARN", env=os.environ)


def media_machine() -> str | None:
    return env_optional("MEDIA_STATE_MACHINE_ARN", env=os.environ)


@app.resolver(type_name="Query", field_name="rider")
def rider(userId: str):
    return queries.get_rider(table(), userId)


@app.resolver(type_name="Query", field_name="riders")
def riders(limit: int | None = None, nextToken: str | None = None):
    return queries.list_riders(table(), limit, nextToken)


@app.resolver(type_name="Rider", field_name="photoProcessing")
def photo_processing():
    arn = (app.current_event.source or {}).get("executionArn")
    return queries.workflow_run(sfn(), arn) if arn else None


@app.resolver(type_name="Query", field_name="photoProcessing")
def photo_processing_run(executionArn: str):
    queries.check_execution_of(executionArn, rider_machine(), "rider-photo")
    return queries.workflow_run(sfn(), executionArn)


@app.resolver(type_name="Query", field_name="mediaJob")
def media_job(executionArn: str):
    queries.check_execution_of(executionArn, media_machine(), "media")
    return queries.media_job(queries.workflow_run(sfn(), executionArn))


@app.resolver(type_name="Query", field_name="mediaJobs")
def media_jobs(limit: int | None = None, nextToken: str | None = None):
    return queries.list_media_jobs(sfn(), media_machine(), limit, nextToken)


@app.resolver(type_name="Mutation", field_name="publishRiderRegistered")
def publish_rider_registered(executionArn: str):
    return queries.rider_registered(table(), sfn(), executionArn, rider_machine())


@app.resolver(type_name="Mutation", field_name="publishMediaJobFinished")
def publish_media_job_finished(executionArn: str):
    return queries.media_job_finished(sfn(), executionArn, media_machine())


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    return app.resolve(event, context)
