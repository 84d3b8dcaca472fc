"""Business metrics of the functions as CloudWatch embedded metric format (EMF) log lines, with
Powertools' Metrics: CloudWatch Logs turns the lines into metrics, so no PutMetricData call (nor
its permission) is needed.

Every metric is in the namespace `Workflows` with the dimensions `service` (the function's
package, e.g. media_split) and `function` (the deployed function's name, so that two
deployments of a workflow in one account keep their own numbers); the workflow modules'
dashboards read them by those dimensions (terraform/modules/workflow-monitoring).
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "Workflows"
# An invocation with nothing to count (a redelivery skipped, a failure) is normal here.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)

__all__ = ["NAMESPACE", "MetricUnit", "workflow_metrics"]


def workflow_metrics(service: str) -> Metrics:
    """The function's Metrics: decorate the handler with `@metrics.log_metrics` (one EMF line
    per invocation) and add metrics with `metrics.add_metric(name=..., unit=..., value=...)`."""
    metrics = Metrics(namespace=NAMESPACE, service=service)
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if function:  # Lambda sets it; tests that import the handler may not
        metrics.set_default_dimensions(function=function)
    return metrics
