"""Alarm evaluation and EMF parsing of the local AWS (scripts/localaws/cloudwatch.py)."""

from __future__ import annotations

import datetime
import json

import pytest
from localaws.cloudwatch import AlarmSpec, emf_metrics, evaluate

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


def spec(**changes) -> AlarmSpec:
    fields = {
        "statistic": "Sum",
        "period": 60,
        "evaluation_periods": 1,
        "datapoints_to_alarm": None,
        "threshold": 1.0,
        "comparison": "GreaterThanOrEqualToThreshold",
        "treat_missing_data": None,
    }
    return AlarmSpec(**{**fields, **changes})


def ago(seconds: float) -> datetime.datetime:
    return NOW - datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("alarm", "data", "state"),
    [
        (spec(), [(ago(10), 1.0)], "ALARM"),
        (spec(), [(ago(10), 0.0)], "OK"),
        (spec(), [(ago(70), 5.0)], "INSUFFICIENT_DATA"),  # outside the period: missing
        (spec(treat_missing_data="notBreaching"), [], "OK"),
        (spec(treat_missing_data="breaching"), [], "ALARM"),
        (spec(statistic="Average", threshold=5), [(ago(1), 4.0), (ago(2), 8.0)], "ALARM"),
        (
            spec(statistic="Maximum", comparison="GreaterThanThreshold", threshold=8),
            [(ago(1), 8.0)],
            "OK",
        ),
        (
            spec(statistic="Minimum", comparison="LessThanThreshold", threshold=2),
            [(ago(1), 1.0), (ago(2), 9.0)],
            "ALARM",
        ),
        (spec(statistic="SampleCount", threshold=3), [(ago(i), 0.0) for i in (1, 2, 3)], "ALARM"),
        # 2 of 3 periods must breach: one breaching minute is not enough, two are.
        (spec(evaluation_periods=3, datapoints_to_alarm=2), [(ago(30), 1.0)], "OK"),
        (
            spec(evaluation_periods=3, datapoints_to_alarm=2),
            [(ago(30), 1.0), (ago(150), 2.0)],
            "ALARM",
        ),
        # Without datapoints_to_alarm all N must breach; missing ones breach with "breaching".
        (spec(evaluation_periods=2), [(ago(30), 1.0)], "OK"),
        (spec(evaluation_periods=2, treat_missing_data="breaching"), [(ago(30), 1.0)], "ALARM"),
    ],
)
def test_alarm_state(alarm, data, state):
    assert evaluate(alarm, data, NOW, "OK")[0] == state


def test_ignore_keeps_the_state_without_data():
    assert evaluate(spec(treat_missing_data="ignore"), [], NOW, "ALARM")[0] == "ALARM"


def test_reason_names_the_datapoints_and_threshold():
    state, reason, data = evaluate(spec(), [(ago(5), 2.0)], NOW, "OK")
    assert state == "ALARM"
    assert reason.startswith("Threshold Crossed: 1 datapoint [2.0]")
    assert "greater than or equal to the threshold (1.0)" in reason
    assert data["recentDatapoints"] == [2.0]


def emf(**document) -> str:
    return json.dumps(document)


def test_emf_line_gives_one_metric_per_dimension_set_and_value():
    line = emf(
        _aws={
            "Timestamp": 1767268800000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Workflows",
                    "Dimensions": [["service"], ["service", "function"]],
                    "Metrics": [{"Name": "Parts", "Unit": "Count"}],
                }
            ],
        },
        service="media_split",
        function="mc-split",
        Parts=[2, 3],
    )
    found = emf_metrics(line)
    assert [(m["Dimensions"], m["Values"], m["Unit"]) for m in found] == [
        ({"service": "media_split"}, [2.0, 3.0], "Count"),
        ({"service": "media_split", "function": "mc-split"}, [2.0, 3.0], "Count"),
    ]
    assert found[0]["Timestamp"] == datetime.datetime(2026, 1, 1, 12, 0, 0)


@pytest.mark.parametrize(
    "line",
    [
        "START RequestId: 1 Version: $LATEST",
        '{"message": "no _aws here"}',
        emf(_aws={"Timestamp": "soon", "CloudWatchMetrics": []}),
        # a dimension without a value, a non-numeric value, no namespace: not metrics
        emf(
            _aws={
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {"Namespace": "N", "Dimensions": [["d"]], "Metrics": [{"Name": "M"}]}
                ],
            },
            M=1,
        ),
        emf(
            _aws={
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": "M"}]}
                ],
            },
            M="1",
        ),
        emf(
            _aws={
                "Timestamp": 1,
                "CloudWatchMetrics": [{"Dimensions": [[]], "Metrics": [{"Name": "M"}]}],
            },
            M=1,
        ),
    ],
    ids=[
        "plain log",
        "json log",
        "bad timestamp",
        "dimension without value",
        "string value",
        "no namespace",
    ],
)
def test_lines_that_are_not_valid_emf_give_no_metric(line):
    assert emf_metrics(line) == []
