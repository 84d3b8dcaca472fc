"""ASL definition validation (scripts/localaws/asl_validation.py), in process."""

from __future__ import annotations

import json

import pytest
from localaws.asl_validation import diagnostics, invalid_definition_message, validate


def found(definition) -> set[tuple[str, str | None]]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return {(d["code"], d.get("location")) for d in diagnostics(text)}


def states(**named) -> dict:
    return {"StartAt": next(iter(named)), "States": named}


PASS_END = {"Type": "Pass", "End": True}
TASK = "arn:aws:lambda:us-east-1:123456789012:function:f"

VALID = {
    "chain": states(A={"Type": "Pass", "Next": "B"}, B={"Type": "Succeed"}),
    "integer backoff rate": states(
        A={
            "Type": "Task",
            "Resource": TASK,
            "End": True,
            "Retry": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 3,
                    "BackoffRate": 2,
                    "MaxDelaySeconds": 5,
                    "JitterStrategy": "FULL",
                }
            ],
        }
    ),
    "choice with default and rules": states(
        C={
            "Type": "Choice",
            "Default": "D",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.a", "IsPresent": True},
                        {"Not": {"Variable": "$.a", "StringEquals": "x"}},
                    ],
                    "Next": "D",
                }
            ],
        },
        D={"Type": "Succeed"},
    ),
    "map and parallel": states(
        M={
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 2,
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "X",
                "States": {"X": PASS_END},
            },
            "Next": "P",
        },
        P={
            "Type": "Parallel",
            "Branches": [{"StartAt": "Y", "States": {"Y": PASS_END}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}],
            "End": True,
        },
        F={"Type": "Fail", "ErrorPath": "$.e.Error", "CausePath": "$.e.Cause"},
    ),
    "variables under JSONPath": states(
        A={"Type": "Pass", "Assign": {"n": 1}, "Next": "B"},
        B={"Type": "Pass", "Parameters": {"n.$": "$n"}, "End": True},
    ),
    "JSONata": {
        "QueryLanguage": "JSONata",
        **states(A={"Type": "Pass", "Output": "{% $states.input.a %}", "End": True}),
    },
    "state names with dots and spaces": states(
        **{"Step 1.a": {"Type": "Pass", "Next": "Step 2"}, "Step 2": PASS_END}
    ),
}


@pytest.mark.parametrize("definition", VALID.values(), ids=VALID.keys())
def test_valid_definitions_pass(definition):
    assert validate(json.dumps(definition)) == {
        "result": "OK",
        "diagnostics": [],
        "truncated": False,
    }


INVALID = {
    "missing Next target": (
        states(A={"Type": "Pass", "Next": "Z"}),
        ("MISSING_TRANSITION_TARGET", "/States/A/Next"),
    ),
    "missing StartAt target": (
        {"StartAt": "Q", "States": {"A": PASS_END}},
        ("MISSING_TRANSITION_TARGET", "/StartAt"),
    ),
    "missing Default target": (
        states(
            C={
                "Type": "Choice",
                "Default": "W",
                "Choices": [{"Variable": "$.a", "StringEquals": "x", "Next": "S"}],
            },
            S={"Type": "Succeed"},
        ),
        ("MISSING_TRANSITION_TARGET", "/States/C/Default"),
    ),
    "missing Catch target": (
        states(
            A={
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}],
            }
        ),
        ("MISSING_TRANSITION_TARGET", "/States/A"),
    ),  # statelint names the state, not the catcher
    "unreachable state": (
        states(A=PASS_END, **{"B c.d": PASS_END}),
        ("SCHEMA_VALIDATION_FAILED", "/States/B c.d"),
    ),
    "no terminal state": (
        states(A={"Type": "Pass", "Next": "B"}, B={"Type": "Pass", "Next": "A"}),
        ("MISSING_END_STATE", "/States"),
    ),
    "no Type": (states(A={"End": True}), ("SCHEMA_VALIDATION_FAILED", "/States/A")),
    "unknown Type": (
        states(A={"Type": "Foo", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Type"),
    ),
    "Next and End": (
        states(A={"Type": "Pass", "Next": "B", "End": True}, B={"Type": "Succeed"}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A"),
    ),
    "Task without Resource": (
        states(A={"Type": "Task", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/"),
    ),
    "Retry without ErrorEquals": (
        states(A={"Type": "Task", "Resource": TASK, "End": True, "Retry": [{"MaxAttempts": 2}]}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0"),
    ),
    "non-integer MaxAttempts": (
        states(
            A={
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": "3"}],
            }
        ),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/MaxAttempts"),
    ),
    "States.ALL not alone": (
        states(
            A={
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL", "X"], "Next": "A"}],
            }
        ),
        ("SCHEMA_VALIDATION_FAILED", None),
    ),
    "Catch without Next": (
        states(
            A={
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"]}],
            }
        ),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0"),
    ),
    "Map processor without end": (
        states(
            M={
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}},
            }
        ),
        ("MISSING_TRANSITION_TARGET", "/States/M/ItemProcessor/States/X/Next"),
    ),
    "Parallel branch with bad StartAt": (
        states(
            P={
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "X", "States": {"Y": PASS_END}}],
            }
        ),
        ("MISSING_TRANSITION_TARGET", "/States/P/Branches/0/StartAt"),
    ),
    "state name reused in a branch": (
        states(
            A={
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "A", "States": {"A": PASS_END}}],
            }
        ),
        ("DUPLICATE_STATE_NAME", "/States/A/Branches/0"),
    ),
    "unknown field": (
        states(A={"Type": "Pass", "Bogus": 1, "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/"),
    ),
    "Wait without a duration": (
        states(W={"Type": "Wait", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/W"),
    ),
}


@pytest.mark.parametrize(("definition", "expected"), INVALID.values(), ids=INVALID.keys())
def test_invalid_definitions_fail_with_code_and_location(definition, expected):
    code, location = expected
    codes = found(definition)
    assert codes, "expected a FAIL"
    if location is None:
        assert code in {c for c, _ in codes}
    else:
        assert expected in codes


def test_duplicate_state_keys_are_reported():
    text = (
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Succeed"}}}'
    )
    assert ("DUPLICATE_STATE_NAME", "/States/A") in found(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "MISSING_DESCRIPTION"),
        ("   ", "MISSING_DESCRIPTION"),
        ("{not json", "INVALID_JSON_DESCRIPTION"),
        ("[1]", "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_unparseable_definitions(text, code):
    result = validate(text)
    assert result["result"] == "FAIL"
    assert [d["code"] for d in result["diagnostics"]] == [code]


def test_max_results_truncates():
    definition = json.dumps(states(A={"Type": "Pass", "Next": "Z"}))
    assert len(validate(definition)["diagnostics"]) == 2
    result = validate(definition, max_results=1)
    assert len(result["diagnostics"]) == 1 and result["truncated"] is True


def test_invalid_definition_message_names_code_and_location():
    message = invalid_definition_message(
        diagnostics(json.dumps(states(A={"Type": "Pass", "Next": "Z"})))
    )
    assert message.startswith("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: ")
    assert "at /States/A/Next" in message
