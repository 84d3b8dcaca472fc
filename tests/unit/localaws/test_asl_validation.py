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


PROCESSOR = {"StartAt": "X", "States": {"X": PASS_END}}


def jsonata(**named) -> dict:
    return {"QueryLanguage": "JSONata", **states(**named)}


def map_state(distributed: str | None = None, **fields) -> dict:
    config = {"Mode": "DISTRIBUTED", "ExecutionType": distributed} if distributed else {}
    processor = {"StartAt": "X", "States": {"X": PASS_END}}
    if config:
        processor["ProcessorConfig"] = config
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


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
    # Developer guide, "Transforming data with JSONata": an expression in any field taking a
    # value; "Choice": a constant boolean Condition; UpdateMapRun: a Float percentage.
    "JSONata Map fields": jsonata(
        M=map_state(
            Items="{% $states.input.xs %}",
            MaxConcurrency="{% $states.input.n %}",
            ToleratedFailurePercentage="{% 5 %}",
            ToleratedFailureCount="{% 1 %}",
        )
    ),
    "JSONata Wait Seconds": jsonata(W={"Type": "Wait", "Seconds": "{% 1 %}", "End": True}),
    "JSONata Wait Timestamp": jsonata(W={"Type": "Wait", "Timestamp": "{% $t %}", "End": True}),
    "JSONata task timeouts": jsonata(
        T={
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
            "TimeoutSeconds": "{% 30 %}",
            "HeartbeatSeconds": "{% 10 %}",
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "Output": "{% $states.errorOutput %}",
                    "Assign": {"failed": True},
                    "Next": "T",
                }
            ],
            "End": True,
        }
    ),
    "constant boolean Condition": jsonata(
        C={"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}], "Default": "D"},
        D={"Type": "Succeed"},
    ),
    "fractional tolerated failure percentage": states(
        M=map_state(ToleratedFailurePercentage=0.5, distributed="STANDARD")
    ),
    "Distributed Map with EXPRESS children, reader, batcher and writer": jsonata(
        M=map_state(
            distributed="EXPRESS",
            Label="Batches",
            ItemReader={
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {
                    "InputType": "CSV",
                    "CSVHeaderLocation": "FIRST_ROW",
                    "MaxItems": "{% 100 %}",
                },
                "Arguments": {"Bucket": "b", "Key": "k.csv"},
            },
            ItemBatcher={"MaxItemsPerBatch": "{% 10 %}", "BatchInput": {"run": 1}},
            ResultWriter={
                "Resource": "arn:aws:states:::s3:putObject",
                "Arguments": {"Bucket": "b", "Prefix": "out"},
            },
        )
    ),
    "Assign and a variable under JSONPath": states(
        A={"Type": "Pass", "Assign": {"x.$": "$.a"}, "Next": "B"},
        B={"Type": "Pass", "Parameters": {"y.$": "$x"}, "End": True},
    ),
    "a JSONata state in a JSONPath machine": states(
        A={"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": True}
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
        ("SCHEMA_VALIDATION_FAILED", "/States/A"),
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
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Bogus"),
    ),
    "Wait without a duration": (
        states(W={"Type": "Wait", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/W"),
    ),
    "JSONata in a JSONPath state's number": (
        states(W={"Type": "Wait", "Seconds": "{% 1 %}", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/W/Seconds"),
    ),
    "percentage over 100": (
        states(M=map_state(ToleratedFailurePercentage=100.5, distributed="STANDARD")),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/ToleratedFailurePercentage"),
    ),
    "fractional MaxConcurrency": (
        states(M=map_state(MaxConcurrency=1.5)),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/MaxConcurrency"),
    ),
    "negative tolerated failure count": (
        jsonata(M=map_state(ToleratedFailureCount=-1, distributed="STANDARD")),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/ToleratedFailureCount"),
    ),
    "number as a JSONata Condition": (
        jsonata(C={"Type": "Choice", "Choices": [{"Condition": 1, "Next": "D"}]}, D=PASS_END),
        ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Condition"),
    ),
    "Condition under JSONPath": (
        states(C={"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}]}, D=PASS_END),
        ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Condition"),
    ),
    "Output under JSONPath": (
        states(A={"Type": "Pass", "Output": {"a": 1}, "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Output"),
    ),
    "InputPath under JSONata": (
        jsonata(A={"Type": "Pass", "InputPath": "$.a", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/InputPath"),
    ),
    "Items under JSONPath": (
        states(M=map_state(Items=[1])),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/Items"),
    ),
    "Items neither array nor JSONata": (
        jsonata(M=map_state(Items={"a": 1})),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/Items"),
    ),
    "Arguments on a Pass state": (
        jsonata(A={"Type": "Pass", "Arguments": {}, "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Arguments"),
    ),
    "Assign on a Fail state": (
        states(F={"Type": "Fail", "Assign": {"x": 1}}),
        ("SCHEMA_VALIDATION_FAILED", "/States/F/Assign"),
    ),
    "unknown processor mode": (
        states(M=map_state(ItemProcessor={"ProcessorConfig": {"Mode": "FAST"}, **PROCESSOR})),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor/ProcessorConfig/Mode"),
    ),
    "DISTRIBUTED without ExecutionType": (
        states(
            M=map_state(ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED"}, **PROCESSOR})
        ),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/ItemProcessor/ProcessorConfig"),
    ),
    "unknown reader setting": (
        states(
            M=map_state(
                distributed="STANDARD",
                ItemReader={
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "XML"},
                    "Parameters": {"Bucket": "b", "Key": "k"},
                },
            )
        ),
        ("SCHEMA_VALIDATION_FAILED", "/States/M/ItemReader/ReaderConfig/InputType"),
    ),
    "JSONPath state in a JSONata machine": (
        jsonata(A={"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/QueryLanguage"),
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


def test_the_engine_refuses_what_aws_accepts_but_it_cannot_run():
    """Validation answers as AWS; Create/UpdateStateMachine also ask the local engine."""
    from localaws.asl_validation import engine_refusal

    express = json.dumps(VALID["Distributed Map with EXPRESS children, reader, batcher and writer"])
    assert validate(express)["result"] == "OK"
    assert "EXPRESS" in engine_refusal(express)
    assert engine_refusal(json.dumps(VALID["JSONata Wait Seconds"])) is None
