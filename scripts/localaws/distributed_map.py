"""Distributed Map on moto's Step Functions engine, as AWS runs it (developer guide, "Using Map
state in Distributed mode", "ItemReader", "ItemBatcher", "ResultWriter", "Map Run", "Setting
failure thresholds for Distributed Map states", "IAM policies for using Distributed Map states").

moto ran a Distributed Map's iterations inline and its grammar has no ItemBatcher, no EXPRESS
child executions and no WriterConfig. Here each item (or batch) is a child execution of its own,
`arn:...:execution:<state machine>/<map run label>:<uuid>`, with the state machine's role, listed
by ListExecutions(mapRunArn) and counted in the Map Run; the parent's role must be allowed
`states:StartExecution` on its own state machine. moto still parses and evaluates the Map state's
own fields (ItemsPath, ItemSelector, ItemReader's Parameters, MaxConcurrency, the tolerances,
Label, Retry, Catch); the fields its grammar lacks are taken out of the definition before it
parses it and run here.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime
import functools
import gzip
import io
import json
import queue
import threading
import uuid
from dataclasses import dataclass, field

from .moto_internals import replace

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"
# A batch's input: "MaxInputBytesPerBatch ... up to 256 KiB" (ItemBatcher).
MAX_BATCH_BYTES = 262_144
CSV_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
_POLL_SECONDS = 0.05  # how often a map run looks at a stop or an UpdateMapRun while it waits

_LOCK = threading.Lock()
_CHILDREN: dict[str, object] = {}  # STANDARD child executions by ARN
_MAP_RUNS: dict[str, MapRun] = {}  # by Map Run ARN


class NotRunLocally(ValueError):
    """A Distributed Map setting AWS accepts that the local engine does not run."""


@dataclass
class DistributedMap:
    """What the local AWS runs of one Distributed Map state, from its definition."""

    state_name: str
    language: str  # of the Map state's fields
    execution_type: str
    processor: dict  # the ItemProcessor as the child executions' definition
    item_batcher: dict | None
    reader_config: dict | None
    result_writer: dict | None
    tolerances: frozenset[str]  # which of "count" and "percentage" the state sets


@dataclass
class MapRun:
    record: object  # moto's MapRunRecord: ARN, counters, DescribeMapRun's answer
    state_machine_arn: str  # of the child executions: <state machine>/<label>
    children: list = field(default_factory=list)
    tolerances: set[str] = field(default_factory=set)


# --- the definition moto parses ----------------------------------------------------------------


def split_definition(definition: dict) -> tuple[dict, dict[str, DistributedMap]]:
    """The definition with what moto's grammar lacks taken out of each Distributed Map, and
    those Maps by state name (state names are unique in a whole state machine)."""
    definition = copy.deepcopy(definition)
    found: dict[str, DistributedMap] = {}
    top_language = definition.get("QueryLanguage", "JSONPath")

    def walk(states: dict) -> None:
        for name, state in states.items():
            if not isinstance(state, dict):
                continue
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if state.get("Type") == "Map" and isinstance(processor, dict):
                config = processor.get("ProcessorConfig") or {}
                if config.get("Mode") == "DISTRIBUTED":
                    found[name] = _take_out(name, state, processor, config, top_language)
                walk(processor.get("States") or {})
            for branch in state.get("Branches") or []:
                walk(branch.get("States") or {})

    walk(definition.get("States") or {})
    return definition, found


def _take_out(name, state, processor, config, top_language) -> DistributedMap:
    reader = state.get("ItemReader")
    writer = state.pop("ResultWriter", None)
    if writer is not None and "Resource" not in writer:
        raise NotRunLocally(f"state '{name}': a ResultWriter without Resource is not run locally")
    if writer is not None and (writer.get("WriterConfig") or {}).get("Transformation") not in (
        None,
        "NONE",
    ):
        raise NotRunLocally(f"state '{name}': WriterConfig Transformation other than NONE")
    child = {
        key: value
        for key, value in processor.items()
        if key in ("StartAt", "States", "Comment", "QueryLanguage")
    }
    # Its states inherit the Map state's query language (as asl_validation reads them).
    child.setdefault("QueryLanguage", state.get("QueryLanguage", top_language))
    found = DistributedMap(
        state_name=name,
        language=state.get("QueryLanguage", top_language),
        execution_type=config.get("ExecutionType", "STANDARD"),
        processor=child,
        item_batcher=state.pop("ItemBatcher", None),
        reader_config=reader.pop("ReaderConfig", None) if isinstance(reader, dict) else None,
        result_writer=writer,
        tolerances=frozenset(
            kind
            for kind, key in (
                ("count", "ToleratedFailureCount"),
                ("percentage", "ToleratedFailurePercentage"),
            )
            if key in state or f"{key}Path" in state
        ),
    )
    if isinstance(state.get("ToleratedFailurePercentage"), int):
        # moto's grammar reads the percentage as a decimal only ("50" did not parse).
        state["ToleratedFailurePercentage"] = float(state["ToleratedFailurePercentage"])
    config["ExecutionType"] = "STANDARD"  # moto's grammar has no EXPRESS; run as the original
    return found


def _attach(component, found: dict[str, DistributedMap], seen: set[int]) -> None:
    """Hands each parsed Distributed Map its settings (on its iteration component)."""
    from moto.stepfunctions.parser.asl.component.component import Component

    if id(component) in seen:
        return
    seen.add(id(component))
    settings = found.get(getattr(component, "name", None))
    if settings is not None and hasattr(component, "iteration_component"):
        component.iteration_component.localaws_distributed = settings
    for value in vars(component).values():
        values = value.values() if isinstance(value, dict) else value
        for item in values if isinstance(values, list | tuple | type({}.values())) else [values]:
            if isinstance(item, Component):
                _attach(item, found, seen)


def _parse_distributed_maps() -> None:
    def parse(definition: str):
        try:
            document = json.loads(definition)
        except (TypeError, ValueError):
            return _original_parse(definition)
        stripped, found = split_definition(document) if isinstance(document, dict) else ({}, {})
        if not found:
            return _original_parse(definition)
        program, tree = _original_parse(json.dumps(stripped))
        _attach(program, found, set())
        return program, tree

    global _original_parse
    _original_parse = replace("AmazonStateLanguageParser.parse", staticmethod(parse))


_original_parse = None  # moto's parser, for the fields evaluated here


# --- evaluating a field's value ----------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _template_state(template: str, language: str):
    """A Pass state whose Parameters (JSONPath) or Output (JSONata) is the template: moto's
    engine evaluates it with paths, intrinsic functions, JSONata and the context object."""
    field_name = "Output" if language == "JSONata" else "Parameters"
    definition = {
        "QueryLanguage": language,
        "StartAt": "Field",
        "States": {"Field": {"Type": "Pass", field_name: json.loads(template), "End": True}},
    }
    program, _ = _original_parse(json.dumps(definition))
    return program.states.states["Field"]


def evaluate(env, state_input, value, language: str):
    """A field's value for this state input: JSONPath `.$` keys and JSONata `{% %}`."""
    if value is None or (language == "JSONPath" and not isinstance(value, dict)):
        return value
    if language == "JSONata" and not isinstance(value, dict | list | str):
        return value
    state = _template_state(json.dumps(value), language)
    frame = env.open_frame()
    try:
        frame.states.reset(input_value=state_input)
        frame.stack.append(state_input)
        if language == "JSONata":
            state.output.jsonata_template_value.eval(frame)
        else:
            state.parameters.eval(frame)
        return frame.stack.pop()
    finally:
        env.delete_frame(frame)


def evaluate_number(env, state_input, spec: dict, name: str, language: str):
    """`name` or `namePath` (a reference path) of an ItemBatcher or ReaderConfig."""
    from moto.stepfunctions.parser.asl.utils import json_path

    if f"{name}Path" in spec:
        return json_path.extract_json(spec[f"{name}Path"], state_input)
    return evaluate(env, state_input, spec.get(name), language)


# --- failing the Map state as AWS does ---------------------------------------------------------


def failure(env, error_type: str, cause: str):
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error = StatesErrorName(typ=getattr(StatesErrorNameType, error_type))
    return FailureEventException(
        FailureEvent(
            env=env,
            error_name=error,
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(
                taskFailedEventDetails=TaskFailedEventDetails(error=error.error_name, cause=cause)
            ),
        )
    )


# --- items -------------------------------------------------------------------------------------


def _s3(env):
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import (
        StateCredentials,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client

    details = env.aws_execution_details
    return boto_client.boto_client_for(
        region=details.region,
        service="s3",
        state_credentials=StateCredentials(role_arn=details.role_arn),
    )


def rows_as_items(text: str, headers: list[str] | None, delimiter: str = ",") -> list[dict]:
    """CSV rows as objects keyed by the headers (the first row when none are given); every value
    is a string, as AWS gives it ("ItemReader", CSV files)."""
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if headers is None:
        if not rows:
            return []
        headers, rows = rows[0], rows[1:]
    if len(set(headers)) < len(headers):
        raise ValueError("CSV headers cannot contain duplicates.")
    return [
        {header: (row[i] if i < len(row) else "") for i, header in enumerate(headers)}
        for row in rows
        if row
    ]


def list_objects_items(s3, parameters: dict) -> list[dict]:
    """s3:listObjectsV2 as an ItemReader: every object under the prefix, each item with the
    fields AWS gives (Etag, Key, LastModified in epoch seconds, Size, StorageClass)."""
    items = []
    for page in s3.get_paginator("list_objects_v2").paginate(**parameters):
        for entry in page.get("Contents", []):
            items.append(
                {
                    "Etag": entry["ETag"],
                    "Key": entry["Key"],
                    "LastModified": int(entry["LastModified"].timestamp()),
                    "Size": entry["Size"],
                    "StorageClass": entry.get("StorageClass", "STANDARD"),
                }
            )
    return items


def manifest_items(s3, manifest: dict) -> list[dict]:
    """An S3 Inventory manifest's CSV files (gzip), rows keyed by its fileSchema."""
    if manifest.get("fileFormat", "CSV") != "CSV":
        raise ValueError(f"Inventory fileFormat {manifest.get('fileFormat')} is not supported")
    headers = [name.strip() for name in manifest["fileSchema"].split(",")]
    bucket = manifest["destinationBucket"].removeprefix("arn:aws:s3:::")
    items = []
    for entry in manifest.get("files", []):
        body = s3.get_object(Bucket=bucket, Key=entry["key"])["Body"].read()
        items.extend(rows_as_items(gzip.decompress(body).decode("utf-8"), headers))
    return items


def read_items(env, state_input, item_reader, settings: DistributedMap) -> list:
    """The items an ItemReader reads, ReaderConfig applied; States.ItemReaderFailed otherwise."""
    if item_reader.parargs:
        item_reader.parargs.eval(env=env)
        parameters = env.stack.pop()
    else:
        parameters = {}
    config = settings.reader_config or {}
    action = item_reader.resource.api_action
    try:
        s3 = _s3(env)
        if action == "listObjectsV2":
            items = list_objects_items(s3, parameters)
        elif action == "getObject":
            text = s3.get_object(**parameters)["Body"].read().decode("utf-8")
            items = _parse_object(s3, text, config)
        else:
            raise ValueError(f"ItemReader resource action '{action}' is not supported")
    except Exception as exc:  # what S3 or the file said, as the Map Run's cause
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEventException,
        )

        if isinstance(exc, FailureEventException):
            raise
        raise failure(env, "StatesItemReaderFailed", str(exc)) from exc
    max_items = evaluate_number(env, state_input, config, "MaxItems", settings.language)
    return items[: int(max_items)] if max_items else items


def _parse_object(s3, text: str, config: dict) -> list:
    input_type = config.get("InputType")
    if input_type == "JSON":
        items = json.loads(text)
        if not isinstance(items, list):
            raise ValueError("Attempting to map over non-iterable node.")
        return items
    if input_type == "JSONL":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if input_type == "CSV":
        headers = config.get("CSVHeaders") if config.get("CSVHeaderLocation") == "GIVEN" else None
        delimiter = CSV_DELIMITERS[config.get("CSVDelimiter", "COMMA")]
        return rows_as_items(text, headers, delimiter)
    if input_type == "MANIFEST":
        return manifest_items(s3, json.loads(text))
    raise ValueError(f"ReaderConfig InputType {input_type!r} is not supported")


def batches(env, state_input, items: list, batcher: dict | None, language: str) -> list:
    """Child inputs: the items, or with an ItemBatcher `{"BatchInput": ..., "Items": [...]}`
    holding at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes."""
    from .stepfunctions import payload_size

    if batcher is None:
        return items
    max_items = evaluate_number(env, state_input, batcher, "MaxItemsPerBatch", language)
    max_bytes = evaluate_number(env, state_input, batcher, "MaxInputBytesPerBatch", language)
    max_bytes = min(int(max_bytes or MAX_BATCH_BYTES), MAX_BATCH_BYTES)
    batch_input = evaluate(env, state_input, batcher.get("BatchInput"), language)
    head = {} if batch_input is None else {"BatchInput": batch_input}
    result, current = [], []
    for item in items:
        candidate = [*current, item]
        too_many = max_items and len(candidate) > int(max_items)
        if current and (too_many or payload_size({**head, "Items": candidate}) > max_bytes):
            result.append({**head, "Items": current})
            candidate = [item]
        current = candidate
    if current:
        result.append({**head, "Items": current})
    return result


def select(env, state_input, items: list, item_selector, parameters) -> list:
    """Each item through ItemSelector (or the legacy Parameters), with $$.Map.Item."""
    from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData

    selector = item_selector or parameters
    if selector is None:
        return items
    selected = []
    for index, item in enumerate(items):
        frame = env.open_frame()
        try:
            frame.states.context_object.context_object_data["Map"] = MapData(
                Item=ItemData(Index=index, Value=item)
            )
            frame.states.reset(input_value=state_input)
            frame.stack.append(state_input)
            selector.eval(frame)
            selected.append(frame.stack.pop())
        finally:
            env.delete_frame(frame)
    return selected


# --- child executions --------------------------------------------------------------------------


def _child_execution_class():
    from moto.stepfunctions.parser.backend.execution import Execution

    class ChildExecution(Execution):
        """A Distributed Map's child execution: tells its map run when it ends."""

        map_run_arn: str
        index: int
        items: int
        ended: queue.Queue

        def _get_start_execution_worker_comm(self):
            comm = super()._get_start_execution_worker_comm()
            terminated = comm.terminated

            def on_end() -> None:
                try:
                    terminated()
                finally:
                    self.ended.put(self)

            comm.terminated = on_end
            return comm

    return ChildExecution


def _start_child(env, run: MapRun, settings, index: int, child_input, ended) -> object:
    from moto.stepfunctions.parser.api import StateMachineType

    details = env.aws_execution_details
    name = str(uuid.uuid4())
    express = settings.execution_type == "EXPRESS"
    sm_type = StateMachineType.EXPRESS if express else StateMachineType.STANDARD
    prefix, _, machine = run.state_machine_arn.partition(":stateMachine:")
    kind = "express" if express else "execution"
    snapshot = _child_state_machine(run, settings, sm_type)
    execution = ChildExecution(
        name=name,
        sm_type=sm_type,
        role_arn=details.role_arn,
        exec_arn=f"{prefix}:{kind}:{machine}:{name}",
        account_id=details.account,
        region_name=details.region,
        state_machine=snapshot,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        activity_store=env.activity_store,
        input_data=json.dumps(child_input, separators=(",", ":")),
    )
    execution.map_run_arn = run.record.map_run_arn
    execution.index = index
    execution.items = len(child_input["Items"]) if settings.item_batcher else 1
    execution.ended = ended
    with _LOCK:
        run.children.append(execution)
        if not express:  # AWS lists and describes STANDARD child executions only
            _CHILDREN[execution.exec_arn] = execution
    execution.start()
    return execution


@dataclass
class _ChildStateMachine:
    """What an execution reads of its state machine (moto's StateMachine without the backend)."""

    arn: str
    name: str
    sm_type: object
    definition: str
    roleArn: str
    revision_id: str | None = None
    create_date: object = None
    logging_config: object = None


def _child_state_machine(run: MapRun, settings: DistributedMap, sm_type) -> _ChildStateMachine:
    return _ChildStateMachine(
        arn=run.state_machine_arn,
        name=run.state_machine_arn.rsplit(":", 1)[-1],
        sm_type=sm_type,
        definition=json.dumps(settings.processor),
        roleArn="",
    )


def _stop(children) -> None:
    now = datetime.datetime.now(tz=datetime.UTC)
    for child in children:
        with contextlib.suppress(AttributeError):  # its worker has no environment yet
            child.stop(stop_date=now, error=None, cause=None)


def exceeded(failed: int, total: int, record, tolerances: set[str]) -> bool:
    """Whether the failed items pass the Map's tolerance ("Setting failure thresholds": no
    threshold tolerates none; with both set, passing either fails the Map Run)."""
    if not tolerances:
        return failed > 0
    count = record.tolerated_failure_count
    share = record.tolerated_failure_percentage
    over_count = "count" in tolerances and failed > int(count)
    over_share = "percentage" in tolerances and failed * 100.0 / total > float(share)
    return over_count or over_share


def _run_children(env, run: MapRun, settings: DistributedMap, inputs: list) -> list:
    """Starts the child executions, at most MaxConcurrency at once (UpdateMapRun applies at
    once), until all ended, the tolerance is passed or the parent stops."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    record = run.record
    items_total = sum(len(i["Items"]) for i in inputs) if settings.item_batcher else len(inputs)
    record.item_counter.total.count(items_total)
    record.execution_counter.total.count(len(inputs))
    record.item_counter.pending.count(items_total)
    record.execution_counter.pending.count(len(inputs))
    ended: queue.Queue = queue.Queue()
    pending = list(enumerate(inputs))
    pending.reverse()
    running: dict[int, object] = {}
    finished: dict[int, object] = {}
    failed_items = 0
    while True:
        if not env.is_running():
            _stop(running.values())
            return []
        limit = int(record.max_concurrency or 0) or len(inputs)
        while pending and len(running) < limit:
            index, child_input = pending.pop()
            running[index] = _start_child(env, run, settings, index, child_input, ended)
            _move(record, running[index].items, "pending", "running")
        if not running:
            break
        try:
            child = ended.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
        running.pop(child.index, None)
        finished[child.index] = child
        status = child.exec_status
        outcome = {
            ExecutionStatus.SUCCEEDED: "succeeded",
            ExecutionStatus.TIMED_OUT: "timed_out",
            ExecutionStatus.ABORTED: "aborted",
        }.get(status, "failed")
        _move(record, child.items, "running", outcome)
        if outcome == "succeeded":
            record.item_counter.results_written.count(child.items)
            record.execution_counter.results_written.count()
            continue
        failed_items += child.items
        if exceeded(failed_items, items_total, record, run.tolerances):
            _stop(running.values())
            raise failure(env, "StatesExceedToleratedFailureThreshold", THRESHOLD_CAUSE)
    return [finished[index] for index in sorted(finished)]


def _move(record, items: int, source: str, target: str) -> None:
    for counter, amount in ((record.item_counter, items), (record.execution_counter, 1)):
        getattr(counter, source).offset(-amount)
        getattr(counter, target).count(amount)


def child_result(child):
    """A child's place in the Map's output: its output, or its error and cause."""
    if child.exec_status.value == "SUCCEEDED":
        output = child.output
        return json.loads(output) if isinstance(output, str) else output
    return {"Error": child.error, "Cause": child.cause}


# --- results written to S3 ---------------------------------------------------------------------


def _iso(value) -> str | None:
    from .stepfunctions import aws_timestamp

    return aws_timestamp(value, millis=True) if value else None


def result_entry(child) -> dict:
    """One child execution as ResultWriter writes it."""
    status = child.exec_status.value
    entry = {
        "ExecutionArn": child.exec_arn,
        "Input": json.dumps(child.input_data, separators=(",", ":")),
        "InputDetails": {"Included": True},
        "Name": child.name,
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE",
        "StartDate": _iso(child.start_date),
        "StateMachineArn": child.state_machine.arn,
        "Status": status,
        "StopDate": _iso(child.stop_date),
    }
    if status == "SUCCEEDED":
        output = child.output if isinstance(child.output, str) else json.dumps(child.output)
        entry.update(Output=output, OutputDetails={"Included": True})
        entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        entry.update(Error=child.error, Cause=child.cause)
    return entry


def write_results(env, state_input, run: MapRun, settings: DistributedMap, children) -> dict:
    """`<Prefix>/<map run id>/manifest.json` and a SUCCEEDED_0.json / FAILED_0.json /
    PENDING_0.json per status that has results ("ResultWriter"); the Map's output points at
    the manifest."""
    writer = settings.result_writer
    language = settings.language
    parameters = evaluate(
        env, state_input, writer.get("Arguments", writer.get("Parameters")), language
    )
    bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    folder = f"{prefix}{run.record.map_run_arn.rsplit(':', 1)[-1]}/"
    groups: dict[str, list] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for child in children:
        status = child.exec_status.value
        groups["SUCCEEDED" if status == "SUCCEEDED" else "FAILED"].append(result_entry(child))
    try:
        s3 = _s3(env)
        files: dict[str, list] = {name: [] for name in groups}
        for name, entries in groups.items():
            if not entries:
                continue
            key = f"{folder}{name}_0.json"
            body = json.dumps(entries, separators=(",", ":")).encode("utf-8")
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files[name].append({"Key": key, "Size": len(body)})
        manifest = {
            "DestinationBucket": bucket,
            "MapRunArn": run.record.map_run_arn,
            "ResultFiles": files,
        }
        s3.put_object(
            Bucket=bucket, Key=f"{folder}manifest.json", Body=json.dumps(manifest).encode()
        )
    except Exception as exc:
        raise failure(env, "StatesResultWriterFailed", str(exc)) from exc
    return {
        "MapRunArn": run.record.map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": f"{folder}manifest.json"},
    }


# --- the map run -------------------------------------------------------------------------------


def _check_start_execution(env, state_machine_arn: str) -> None:
    """The role starts the child executions: it needs states:StartExecution on its own state
    machine ("IAM policies for using Distributed Map states"). Without it the execution fails at
    the Map state with the denial."""
    from . import authorization

    details = env.aws_execution_details
    allowed = authorization.role_may(
        details.role_arn,
        "StepFunctions",
        "states:StartExecution",
        state_machine_arn,
        details.region,
    )
    if not allowed:
        role = details.role_arn.split("/")[-1]
        cause = (
            f"User: arn:aws:sts::{details.account}:assumed-role/{role}/StepFunctions is not"
            f" authorized to perform: states:StartExecution on resource: {state_machine_arn}"
            " because no identity-based policy allows the states:StartExecution action"
        )
        raise failure(env, "StatesRuntime", cause)


def _run_map(self, env, eval_input) -> None:
    from moto.stepfunctions.parser.api import (
        HistoryEventType,
        MapRunFailedEventDetails,
        MapRunStartedEventDetails,
        MapRunStatus,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    settings: DistributedMap = self.localaws_distributed
    record = eval_input.map_run_record
    machine_arn = env.states.context_object.context_object_data["StateMachine"]["Id"]
    label = record.map_run_arn.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    run = MapRun(record, f"{machine_arn}/{label}", tolerances=set(settings.tolerances))
    with _LOCK:
        _MAP_RUNS[record.map_run_arn] = run
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.MapRunStarted,
        event_details=EventDetails(
            mapRunStartedEventDetails=MapRunStartedEventDetails(mapRunArn=record.map_run_arn)
        ),
    )
    state_input = env.stack[-1] if env.stack else env.states.get_input()
    try:
        if eval_input.item_reader is not None:
            items = read_items(env, state_input, eval_input.item_reader, settings)
        else:
            items = eval_input.input_items
        items = select(env, state_input, items, eval_input.item_selector, eval_input.parameters)
        inputs = batches(env, state_input, items, settings.item_batcher, settings.language)
        if inputs:
            _check_start_execution(env, machine_arn)
        children = _run_children(env, run, settings, inputs)
        if settings.result_writer is not None:
            result = write_results(env, state_input, run, settings, children)
        else:
            result = [child_result(child) for child in children]
    except FailureEventException as exc:
        details = MapRunFailedEventDetails()
        error, cause = exc.extract_error_cause_pair() or (None, None)
        if error:
            details["error"] = error
        if cause:
            details["cause"] = cause
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.MapRunFailed,
            event_details=EventDetails(mapRunFailedEventDetails=details),
        )
        record.set_stop(status=MapRunStatus.FAILED)
        raise
    if not env.is_running():
        record.set_stop(status=MapRunStatus.ABORTED)
        env.stack.append([])
        return
    env.event_manager.add_event(
        context=env.event_history_context, event_type=HistoryEventType.MapRunSucceeded
    )
    record.set_stop(status=MapRunStatus.SUCCEEDED)
    env.stack.append(result)


def _run_map_runs_as_child_executions() -> None:
    def _eval_body(self, env) -> None:
        if getattr(self, "localaws_distributed", None) is None:
            return original(self, env)
        return _run_map(self, env, env.stack.pop())

    original = replace("DistributedIterationComponent._eval_body", _eval_body)


# --- the API -----------------------------------------------------------------------------------


def child_execution(arn: str):
    with _LOCK:
        return _CHILDREN.get(arn)


def map_run(arn: str) -> MapRun | None:
    with _LOCK:
        return _MAP_RUNS.get(arn)


def _serve_child_executions() -> None:
    """DescribeExecution, GetExecutionHistory and StopExecution find child executions (moto
    looked them up by a state machine named `<state machine>/<label>`, which does not exist)."""

    def describe_execution(self, execution_arn: str):
        return child_execution(execution_arn) or describe(self, execution_arn)

    describe = replace("StepFunctionsParserBackend.describe_execution", describe_execution)

    def stop_execution(self, execution_arn: str):
        child = child_execution(execution_arn)
        if child is None:
            return stop(self, execution_arn)
        child.stop(stop_date=datetime.datetime.now(tz=datetime.UTC), error=None, cause=None)
        return child

    stop = replace("StepFunctionsParserBackend.stop_execution", stop_execution)

    def describe_execution_response(self):
        answer = describe_response(self)
        child = child_execution(self._get_param("executionArn"))
        if child is not None:  # "returned only if the execution was started by a Map Run"
            answer.result["mapRunArn"] = child.map_run_arn
        return answer

    describe_response = replace(
        "StepFunctionResponse.describe_execution", describe_execution_response
    )


def _serve_map_run_api() -> None:
    """ListExecutions(mapRunArn) lists the Map Run's child executions; DescribeMapRun,
    ListMapRuns and UpdateMapRun find Map Runs of any execution, child ones included."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import ResourceNotFound, ValidationException

    def list_executions(self):
        map_run_arn = self._get_param("mapRunArn")
        if not map_run_arn:
            return original_list(self)
        if self._get_param("stateMachineArn"):
            raise ValidationException("You can specify either a mapRunArn or a stateMachineArn")
        run = map_run(map_run_arn)
        if run is None:
            raise ResourceNotFound(map_run_arn)
        status_filter = self._get_param("statusFilter")
        children = [c for c in run.children if c.exec_arn in _CHILDREN]
        if status_filter:
            children = [c for c in children if c.exec_status.value == status_filter]
        children.sort(key=lambda c: c.start_date, reverse=True)
        start = int(self._get_param("nextToken") or 0)
        size = int(self._get_int_param("maxResults") or 100)
        page = children[start : start + size]
        listed = []
        for child in page:
            item = {
                "executionArn": child.exec_arn,
                "mapRunArn": map_run_arn,
                "name": child.name,
                "startDate": child.start_date,
                "stateMachineArn": child.state_machine.arn,
                "status": child.exec_status.value,
            }
            if child.stop_date is not None:
                item["stopDate"] = child.stop_date
            listed.append(item)
        response: dict = {"executions": listed}
        if start + size < len(children):
            response["nextToken"] = str(start + size)
        return ActionResult(response)

    original_list = replace("StepFunctionResponse.list_executions", list_executions)

    def describe_map_run(self, map_run_arn: str):
        run = map_run(map_run_arn)
        if run is None:
            raise ResourceNotFound(map_run_arn)
        return run.record.describe()

    replace("StepFunctionsParserBackend.describe_map_run", describe_map_run)

    def update_map_run(
        self, map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage
    ) -> None:
        run = map_run(map_run_arn)
        if run is None:
            raise ResourceNotFound(map_run_arn)
        if tolerated_failure_count is not None:
            run.tolerances.add("count")
        if tolerated_failure_percentage is not None:
            run.tolerances.add("percentage")
        run.record.update(max_concurrency, tolerated_failure_count, tolerated_failure_percentage)

    replace("StepFunctionsParserBackend.update_map_run", update_map_run)

    def list_map_runs(self, execution_arn: str):
        execution = child_execution(execution_arn) or self.describe_execution(execution_arn)
        runs = execution.exec_worker.env.map_run_record_pool_manager.get_all()
        return {"mapRuns": [record.list_item() for record in runs]}

    replace("StepFunctionsParserBackend.list_map_runs", list_map_runs)


ChildExecution = None


def install() -> None:
    global ChildExecution
    ChildExecution = _child_execution_class()
    _parse_distributed_maps()
    _run_map_runs_as_child_executions()
    _serve_child_executions()
    _serve_map_run_api()
