"""The functions' metrics (lambda_common.metrics) as the local AWS and CloudWatch read them."""

from __future__ import annotations

import json

from lambda_common.metrics import NAMESPACE, MetricUnit, workflow_metrics
from localaws.cloudwatch import emf_metrics


def test_a_handlers_metrics_are_one_emf_line_with_service_and_function(monkeypatch, capsys):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "vc-1234-transcode-720p")
    metrics = workflow_metrics("fanout_transcode")

    @metrics.log_metrics
    def handler(event, context):
        metrics.add_metric(name="RenditionsDelivered", unit=MetricUnit.Count, value=2)

    try:
        handler({}, None)
    finally:
        metrics.clear_default_dimensions()
    (line,) = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (found,) = emf_metrics(line)
    assert (found["Namespace"], found["MetricName"]) == (NAMESPACE, "RenditionsDelivered")
    assert found["Dimensions"] == {
        "service": "fanout_transcode",
        "function": "vc-1234-transcode-720p",
    }
    assert (found["Values"], found["Unit"]) == ([2.0], "Count")
    assert json.loads(line)["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Workflows"
