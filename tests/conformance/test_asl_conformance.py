"""ASL conformance: small state machines whose outputs are the ones the AWS Step Functions
developer guide documents (input/output processing, intrinsic functions, Choice, Wait, error
handling, Map, Parallel, Fail, Pass), run on the local AWS."""

from __future__ import annotations

import itertools
import re
import uuid

import pytest

from tests.conformance.sfn_harness import StepFunctions, machine, single
from tests.support.lambdas import create_function

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

HELLO = """
import time
def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "Hello, " + event["who"] + "!"
"""


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


@pytest.fixture(scope="module")
def hello(local_aws):
    """The guide's HelloFunction: returns "Hello, <who>!" (after an optional sleep)."""
    name = create_function(local_aws, HELLO, Timeout=10)
    return local_aws.client("lambda").get_function(FunctionName=name)["Configuration"]


# --- input and output processing (guide: "Processing input and output") -------------------


def test_input_path_selects_the_state_input(sfn):
    given = {
        "comment": "Example for InputPath.",
        "dataset1": {"val1": 1, "val2": 2, "val3": 3},
        "dataset2": {"val1": "a", "val2": "b", "val3": "c"},
    }
    outcome = sfn.run(single({"Type": "Pass", "InputPath": "$.dataset2"}), given)
    assert outcome.output == {"val1": "a", "val2": "b", "val3": "c"}


def test_parameters_build_a_new_input_from_paths_and_static_values(sfn):
    given = {
        "comment": "Example for Parameters.",
        "product": {
            "details": {"color": "blue", "size": "small", "material": "cotton"},
            "availability": "in stock",
            "sku": "2317",
            "cost": "$23",
        },
    }
    parameters = {
        "comment": "Selecting what I care about.",
        "MyDetails": {
            "size.$": "$.product.details.size",
            "exists.$": "$.product.availability",
            "StaticValue": "foo",
        },
    }
    outcome = sfn.run(single({"Type": "Pass", "Parameters": parameters}), given)
    assert outcome.output == {
        "comment": "Selecting what I care about.",
        "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"},
    }


RESULT_PATH_INPUT = {
    "comment": "This is a test of the input and output of a Task state.",
    "details": "Default example",
    "who": "AWS Step Functions",
}


@pytest.mark.parametrize(
    ("result_path", "expected"),
    [
        ("$", "Hello, AWS Step Functions!"),
        (None, RESULT_PATH_INPUT),
        ("$.taskresult", {**RESULT_PATH_INPUT, "taskresult": "Hello, AWS Step Functions!"}),
        (
            "$.strings.lambdaresult",
            {**RESULT_PATH_INPUT, "strings": {"lambdaresult": "Hello, AWS Step Functions!"}},
        ),
    ],
)
def test_result_path_places_the_result(sfn, result_path, expected):
    state = {"Type": "Pass", "Result": "Hello, AWS Step Functions!", "ResultPath": result_path}
    assert sfn.run(single(state), RESULT_PATH_INPUT).output == expected


def test_input_result_and_output_paths_on_a_lambda_task(sfn, hello):
    """The guide's "Example: Manipulating state data with paths"."""
    given = {
        "comment": "An input comment.",
        "data": {"val1": 23, "val2": 17},
        "extra": "foo",
        "lambda": {"who": "AWS Step Functions"},
    }
    state = {
        "Type": "Task",
        "Resource": hello["FunctionArn"],
        "InputPath": "$.lambda",
        "ResultPath": "$.data.lambdaresult",
        "OutputPath": "$.data",
    }
    outcome = sfn.run(single(state), given)
    assert outcome.output == {"val1": 23, "val2": 17, "lambdaresult": "Hello, AWS Step Functions!"}


def test_result_selector_reshapes_the_lambda_invoke_result(sfn, hello):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": hello["FunctionName"], "Payload": {"who.$": "$.name"}},
        "ResultSelector": {"greeting.$": "$.Payload", "code.$": "$.StatusCode"},
        "ResultPath": "$.result",
    }
    outcome = sfn.run(single(state), {"name": "Ana"})
    assert outcome.output == {"name": "Ana", "result": {"greeting": "Hello, Ana!", "code": 200}}


def test_output_path_filters_the_state_output(sfn):
    state = {
        "Type": "Pass",
        "Result": {"kept": 1, "dropped": 2},
        "ResultPath": "$.r",
        "OutputPath": "$.r.kept",
    }
    assert sfn.run(single(state), {"a": 1}).output == 1


def test_definite_and_indefinite_paths(sfn):
    """A definite path (`$[0].x`) yields the value, an indefinite one (`[*]`) a list."""
    parts = [
        {"originalFileName": "a.mp4", "bucket": "b", "manifest": "m", "encodedPart": "p0"},
        {"originalFileName": "a.mp4", "bucket": "b", "manifest": "m", "encodedPart": "p1"},
    ]
    parameters = {
        "originalFileName.$": "$[0].originalFileName",
        "bucket.$": "$[0].bucket",
        "encodedParts.$": "$[*].encodedPart",
        "first.$": "$[0:1].encodedPart",
    }
    outcome = sfn.run(single({"Type": "Pass", "Parameters": parameters}), parts)
    assert outcome.output == {
        "originalFileName": "a.mp4",
        "bucket": "b",
        "encodedParts": ["p0", "p1"],
        "first": ["p0"],
    }


def test_context_object_fields(sfn):
    parameters = {
        "name.$": "$$.Execution.Name",
        "state.$": "$$.State.Name",
        "input.$": "$$.Execution.Input",
        "start.$": "$$.Execution.StartTime",
    }
    state_machine = sfn.create(single({"Type": "Pass", "Parameters": parameters}))
    name = f"run-{uuid.uuid4().hex[:6]}"
    outcome = sfn.wait(sfn.start(state_machine, {"k": "v"}, name=name))
    assert outcome.output["name"] == name
    assert outcome.output["state"] == "S"
    assert outcome.output["input"] == {"k": "v"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", outcome.output["start"])


# --- intrinsic functions (guide: "Intrinsic functions for JSONPath states") -----------------


@pytest.mark.parametrize(
    ("expression", "given", "expected"),
    [
        (
            "States.Format('Hello, my name is {}.', $.name)",
            {"name": "Arnav"},
            "Hello, my name is Arnav.",
        ),
        ("States.StringToJson($.someString)", {"someString": '{"number": 20}'}, {"number": 20}),
        (
            "States.JsonToString($.someJson)",
            {"someJson": {"name": "Foo", "year": 2020}},
            '{"name":"Foo","year":2020}',
        ),
        (
            "States.Array('Foo', 2020, $.someJson)",
            {"someJson": {"random": "abcdefg"}},
            ["Foo", 2020, {"random": "abcdefg"}],
        ),
        (
            "States.Array('Foo', 2020, $.someJson, null)",
            {"someJson": {"random": "abcdefg"}},
            ["Foo", 2020, {"random": "abcdefg"}, None],
        ),
        ("States.Format('a{}b', null)", {}, "anullb"),
        (
            "States.ArrayPartition($.inputArray, 4)",
            {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
            [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
        ),
        (
            "States.ArrayContains($.inputArray, $.lookingFor)",
            {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5},
            True,
        ),
        ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
        (
            "States.ArrayGetItem($.inputArray, $.index)",
            {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5},
            6,
        ),
        ("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
        (
            "States.ArrayUnique($.inputArray)",
            {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]},
            [1, 2, 3, 4],
        ),
        ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
        (
            "States.Hash($.Data, $.Algorithm)",
            {"Data": "input data", "Algorithm": "SHA-1"},
            "aaff4a450a104cd177d28d18d74485e8cae074b7",
        ),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            {
                "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
                "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
            },
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
        ),
        ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
        (
            "States.StringSplit($.inputString, $.splitter)",
            {"inputString": "1,2,3,4,5", "splitter": ","},
            ["1", "2", "3", "4", "5"],
        ),
    ],
)
def test_intrinsic_function(sfn, expression, given, expected):
    outcome = sfn.run(single({"Type": "Pass", "Parameters": {"value.$": expression}}), given)
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert outcome.output == {"value": expected}


def test_uuid_and_math_random_shapes(sfn):
    parameters = {"id.$": "States.UUID()", "n.$": "States.MathRandom(1, 999)"}
    outcome = sfn.run(single({"Type": "Pass", "Parameters": parameters}))
    assert UUID4.match(outcome.output["id"])
    assert 1 <= outcome.output["n"] <= 999


# --- Choice, Wait, Pass ---------------------------------------------------------------------

CHOICE = machine(
    (
        "Route",
        {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "video", "Next": "Video"},
                {
                    "And": [
                        {"Variable": "$.size", "IsPresent": True},
                        {"Variable": "$.size", "NumericGreaterThan": 100},
                    ],
                    "Next": "Big",
                },
                {
                    "Or": [
                        {"Variable": "$.kind", "StringEquals": "audio"},
                        {"Not": {"Variable": "$.tags", "IsPresent": False}},
                    ],
                    "Next": "Other",
                },
            ],
            "Default": "Fallback",
        },
    ),
    ("Video", {"Type": "Pass", "Result": "video", "End": True}),
    ("Big", {"Type": "Pass", "Result": "big", "End": True}),
    ("Other", {"Type": "Pass", "Result": "other", "End": True}),
    ("Fallback", {"Type": "Pass", "Result": "fallback", "End": True}),
)


@pytest.mark.parametrize(
    ("given", "branch"),
    [
        ({"kind": "video", "size": 500}, "video"),
        ({"kind": "image", "size": 500}, "big"),
        ({"kind": "image", "size": 5}, "fallback"),
        ({"kind": "audio"}, "other"),
        ({"kind": "image", "tags": []}, "other"),
        ({"kind": "image"}, "fallback"),
    ],
)
def test_choice_rules(sfn, given, branch):
    assert sfn.run(CHOICE, given).output == branch


def test_choice_without_match_or_default_fails_with_no_choice_matched(sfn):
    definition = machine(
        (
            "Route",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    outcome = sfn.run(definition, {"n": 2})
    assert (outcome.status, outcome.error) == ("FAILED", "States.NoChoiceMatched")


def test_wait_seconds_path_passes_the_input_through(sfn):
    outcome = sfn.run(single({"Type": "Wait", "SecondsPath": "$.delay"}), {"delay": 1, "k": "v"})
    assert outcome.output == {"delay": 1, "k": "v"}


def test_pass_result_replaces_the_input(sfn):
    state = {"Type": "Pass", "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355}}
    outcome = sfn.run(single(state), {"georefOf": "Home"})
    assert outcome.output == {"x-datum": 0.381018, "y-datum": 622.2269926397355}


def test_pass_without_fields_passes_the_input_through(sfn):
    assert sfn.run(single({"Type": "Pass"}), {"a": [1, 2]}).output == {"a": [1, 2]}


# --- Fail, Retry and Catch ------------------------------------------------------------------


def test_fail_state_error_and_cause(sfn):
    state = {"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}
    outcome = sfn.run(single(state))
    assert (outcome.status, outcome.error, outcome.cause) == ("FAILED", "ErrorA", "Kaiju attack")


def test_fail_state_error_and_cause_paths(sfn):
    state = {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
    outcome = sfn.run(single(state), {"error": {"Error": "NotAVideoError", "Cause": "bad"}})
    assert (outcome.error, outcome.cause) == ("NotAVideoError", "bad")


def _failing_parallel(catch: dict, failing_state: dict | None = None, kind="Parallel") -> dict:
    failing = {
        "StartAt": "Boom",
        "States": {
            "Boom": failing_state or {"Type": "Fail", "Error": "CustomError", "Cause": "it broke"}
        },
    }
    body = (
        {"Branches": [failing]}
        if kind == "Parallel"
        else {"ItemsPath": "$.items", "ItemProcessor": failing}
    )
    return machine(
        ("Work", {"Type": kind, **body, "Catch": [catch], "Next": "Done"}),
        ("Recover", {"Type": "Pass", "End": True}),
        ("Done", {"Type": "Succeed"}),
    )


def test_catch_result_path_keeps_the_input_and_adds_the_error(sfn):
    catch = {"ErrorEquals": ["CustomError"], "ResultPath": "$.error", "Next": "Recover"}
    outcome = sfn.run(_failing_parallel(catch), {"job": 7})
    assert outcome.output == {"job": 7, "error": {"Error": "CustomError", "Cause": "it broke"}}


@pytest.mark.parametrize("kind", ["Parallel", "Map"])
def test_states_error_of_a_branch_or_iteration_is_catchable(sfn, hello, kind):
    """A task that times out in a branch (or a failed .sync job: States.TaskFailed) fails the
    Parallel or Map state with that States.* error, which its Catch sees."""
    slow = {
        "Type": "Task",
        "Resource": hello["FunctionArn"],
        "Parameters": {"who": "x", "sleep": 3},
        "TimeoutSeconds": 1,
        "End": True,
    }
    catch = {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Recover"}
    outcome = sfn.run(_failing_parallel(catch, slow, kind), {"items": [1]})
    assert outcome.status == "SUCCEEDED", outcome
    assert outcome.output["error"]["Error"] == "States.Timeout"


def test_catch_without_result_path_outputs_the_error_only(sfn):
    catch = {"ErrorEquals": ["States.ALL"], "Next": "Recover"}
    outcome = sfn.run(_failing_parallel(catch), {"job": 7})
    assert outcome.output == {"Error": "CustomError", "Cause": "it broke"}


def test_catch_result_path_null_discards_the_error(sfn):
    catch = {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Recover"}
    assert sfn.run(_failing_parallel(catch), {"job": 7}).output == {"job": 7}


def test_retry_then_catch_on_lambda_error(sfn, local_aws, hello):
    """Retriers are tried in order; the first whose ErrorEquals matches applies."""
    local_aws.inject_fault(hello["FunctionName"], count=3, error_type="TransientError")
    state = {
        "Type": "Task",
        "Resource": hello["FunctionArn"],
        "Retry": [
            {"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 5, "IntervalSeconds": 1},
            {"ErrorEquals": ["TransientError"], "MaxAttempts": 1, "IntervalSeconds": 1},
        ],
        "Catch": [{"ErrorEquals": ["TransientError"], "ResultPath": "$.error", "Next": "Recover"}],
    }
    definition = machine(
        ("Call", {**state, "Next": "Done"}),
        ("Recover", {"Type": "Pass", "End": True}),
        ("Done", {"Type": "Succeed"}),
    )
    outcome = sfn.run(definition, {"who": "x"})
    local_aws.clear_faults()
    assert outcome.output["error"]["Error"] == "TransientError"
    assert len(local_aws.invocations(hello["FunctionName"])) >= 2


# --- Map and Parallel -----------------------------------------------------------------------


def test_map_item_selector_with_context_index_and_value(sfn):
    """The guide's ItemSelector example with $$.Map.Item.Index and $$.Map.Item.Value."""
    state = {
        "Type": "Map",
        "ItemSelector": {
            "ContextIndex.$": "$$.Map.Item.Index",
            "ContextValue.$": "$$.Map.Item.Value",
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Echo",
            "States": {"Echo": {"Type": "Pass", "End": True}},
        },
    }
    outcome = sfn.run(single(state), [{"who": "bob"}, {"who": "meg"}, {"who": "joe"}])
    assert outcome.output == [
        {"ContextIndex": 0, "ContextValue": {"who": "bob"}},
        {"ContextIndex": 1, "ContextValue": {"who": "meg"}},
        {"ContextIndex": 2, "ContextValue": {"who": "joe"}},
    ]


def test_map_items_path_item_selector_and_result_path(sfn):
    """The guide's shipping example: each item gets the courier from the Map's input."""
    given = {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {
            "delivery-partner": "UQS",
            "shipped": [
                {"prod": "R31", "dest-code": 9511, "quantity": 1344},
                {"prod": "S39", "dest-code": 9511, "quantity": 40},
            ],
        },
    }
    state = {
        "Type": "Map",
        "InputPath": "$.detail",
        "ItemsPath": "$.shipped",
        "MaxConcurrency": 0,
        "ItemSelector": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Validate",
            "States": {"Validate": {"Type": "Pass", "End": True}},
        },
        "ResultPath": "$.detail.shipped",
    }
    outcome = sfn.run(single(state), given)
    # ResultPath combines the results with the raw state input, not the InputPath selection.
    assert outcome.output == {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {
            "delivery-partner": "UQS",
            "shipped": [
                {"parcel": {"prod": "R31", "dest-code": 9511, "quantity": 1344}, "courier": "UQS"},
                {"parcel": {"prod": "S39", "dest-code": 9511, "quantity": 40}, "courier": "UQS"},
            ],
        },
    }


def test_map_max_concurrency_one_runs_items_one_at_a_time(sfn, local_aws, hello):
    name = hello["FunctionName"]
    before = len(local_aws.invocations(name))
    state = {
        "Type": "Map",
        "MaxConcurrency": 1,
        "ItemSelector": {"who.$": "$$.Map.Item.Value", "sleep": 0.2},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Greet",
            "States": {"Greet": {"Type": "Task", "Resource": hello["FunctionArn"], "End": True}},
        },
    }
    outcome = sfn.run(single(state), ["a", "b", "c"])
    assert outcome.output == ["Hello, a!", "Hello, b!", "Hello, c!"]
    runs = sorted(local_aws.invocations(name)[before:], key=lambda r: r["started"])
    assert len(runs) == 3
    for earlier, later in itertools.pairwise(runs):
        assert later["started"] >= earlier["started"] + earlier["duration_ms"] / 1000 - 0.01


def test_map_over_an_empty_array_outputs_an_empty_array(sfn):
    state = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
    }
    assert sfn.run(single(state), []).output == []


def test_parallel_outputs_an_array_of_branch_outputs_in_order(sfn):
    branches = [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "first", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.n", "End": True}}},
        {"StartAt": "C", "States": {"C": {"Type": "Wait", "Seconds": 0, "End": True}}},
    ]
    state = {
        "Type": "Parallel",
        "Branches": branches,
        "ResultSelector": {"results.$": "$"},
        "ResultPath": "$.parallel",
    }
    outcome = sfn.run(single(state), {"n": 5})
    assert outcome.output == {"n": 5, "parallel": {"results": ["first", 5, {"n": 5}]}}


# --- JSONata (guide: "Transforming data with JSONata in Step Functions") ---------------------

UNDEFINED = "{% $states.input.absent %}"


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"Type": "Pass", "Output": UNDEFINED}, "Output"),
        ({"Type": "Pass", "Output": {"result": UNDEFINED}}, "Output/result"),
        ({"Type": "Pass", "Output": {"a": {"b": [1, UNDEFINED]}}}, "Output/a/b[1]"),
        ({"Type": "Pass", "Assign": {"x": UNDEFINED}}, "Assign/x"),
        ({"Type": "Wait", "Seconds": UNDEFINED}, "Seconds"),
        ({"Type": "Fail", "Error": UNDEFINED}, "Error"),
        (
            {
                "Type": "Map",
                "Items": UNDEFINED,
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            },
            "Items",
        ),
    ],
)
def test_jsonata_returning_nothing_names_the_field(sfn, state, field):
    """AWS: States.QueryEvaluationError, "The JSONata expression '$states.input.absent'
    specified for the field 'Output/result' returned nothing (undefined)." (as recorded on AWS;
    nested fields joined by "/", array items as "[i]")."""
    outcome = sfn.run({**single(state), "QueryLanguage": "JSONata"}, {"a": 1})
    assert (outcome.status, outcome.error) == ("FAILED", "States.QueryEvaluationError")
    assert outcome.cause.endswith(
        f"The JSONata expression '$states.input.absent' specified for the field '{field}'"
        " returned nothing (undefined)."
    )


def test_jsonata_choice_names_the_rule_of_an_undefined_condition(sfn):
    definition = machine(
        (
            "Route",
            {
                "Type": "Choice",
                "Choices": [
                    {"Condition": False, "Next": "Done"},
                    {"Condition": UNDEFINED, "Next": "Done"},
                ],
                "Default": "Done",
            },
        ),
        ("Done", {"Type": "Succeed"}),
        QueryLanguage="JSONata",
    )
    outcome = sfn.run(definition)
    assert outcome.error == "States.QueryEvaluationError"
    assert "for the field 'Choices[1]/Condition' returned nothing" in outcome.cause


def test_jsonata_constant_condition_and_computed_map_settings(sfn):
    definition = machine(
        ("Route", {"Type": "Choice", "Choices": [{"Condition": True, "Next": "Each"}]}),
        (
            "Each",
            {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "MaxConcurrency": "{% $count($states.input.xs) %}",
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {
                        "Double": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}
                    },
                },
                "End": True,
            },
        ),
        QueryLanguage="JSONata",
    )
    assert sfn.run(definition, {"xs": [1, 2, 3]}).output == [2, 4, 6]
