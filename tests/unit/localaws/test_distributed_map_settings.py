"""The parts of the local Distributed Map that need no engine (localaws/distributed_map.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from localaws.distributed_map import NotRunLocally, exceeded, rows_as_items, split_definition


def distributed_map(**fields) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    return {
        "StartAt": "Outer",
        "States": {
            "Outer": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "M",
                        "States": {"M": {"Type": "Map", "ItemProcessor": processor, **fields}},
                    }
                ],
                "End": True,
            }
        },
    }


def test_split_takes_out_what_moto_cannot_parse_and_keeps_the_rest():
    definition = distributed_map(
        ItemBatcher={"MaxItemsPerBatch": 2},
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "CSV"},
        },
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"}},
        ToleratedFailurePercentage=5,
        Label="L",
    )
    stripped, found = split_definition(definition)
    state = stripped["States"]["Outer"]["Branches"][0]["States"]["M"]
    assert set(state) == {
        "Type",
        "ItemProcessor",
        "ItemReader",
        "ToleratedFailurePercentage",
        "Label",
    }
    assert state["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"
    assert state["ItemReader"] == {"Resource": "arn:aws:states:::s3:getObject"}
    assert state["ToleratedFailurePercentage"] == 5.0 and isinstance(
        state["ToleratedFailurePercentage"], float
    )
    settings = found["M"]
    assert settings.execution_type == "EXPRESS"
    assert settings.item_batcher == {"MaxItemsPerBatch": 2}
    assert settings.reader_config == {"InputType": "CSV"}
    assert settings.tolerances == {"percentage"}
    assert settings.processor == {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
        "QueryLanguage": "JSONPath",
    }
    assert definition["States"]["Outer"]["Branches"][0]["States"]["M"]["ItemBatcher"]  # untouched


def test_inline_maps_are_left_to_moto():
    definition = distributed_map()
    definition["States"]["Outer"]["Branches"][0]["States"]["M"]["ItemProcessor"][
        "ProcessorConfig"
    ] = {"Mode": "INLINE"}
    assert split_definition(definition) == (definition, {})


def test_a_writer_config_transformation_is_not_run_locally():
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "WriterConfig": {"Transformation": "FLATTEN"},
    }
    with pytest.raises(NotRunLocally, match="Transformation"):
        split_definition(distributed_map(ResultWriter=writer))


def test_csv_rows_keyed_by_the_header_row_or_given_headers():
    assert rows_as_items("a,b\n1,2\n3\n", None) == [{"a": "1", "b": "2"}, {"a": "3", "b": ""}]
    assert rows_as_items("1;2\n", ["x", "y"], ";") == [{"x": "1", "y": "2"}]
    with pytest.raises(ValueError, match="duplicates"):
        rows_as_items("a,a\n1,2\n", None)


@pytest.mark.parametrize(
    ("failed", "tolerances", "count", "percentage", "over"),
    [
        (0, set(), 0, 0.0, False),
        (1, set(), 0, 0.0, True),  # no threshold tolerates no failure
        (2, {"count"}, 2, 0.0, False),
        (3, {"count"}, 2, 0.0, True),
        (5, {"percentage"}, 0, 50.0, False),  # 5 of 10 is not over 50 %
        (6, {"percentage"}, 0, 50.0, True),
        (3, {"count", "percentage"}, 2, 50.0, True),  # either threshold
    ],
)
def test_tolerated_failure_thresholds(failed, tolerances, count, percentage, over):
    record = SimpleNamespace(tolerated_failure_count=count, tolerated_failure_percentage=percentage)
    assert exceeded(failed, 10, record, tolerances) is over
