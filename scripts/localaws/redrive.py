"""Replaying failed work, which moto lacks: Step Functions RedriveExecution and SQS dead-letter
redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask).

RedriveExecution (Step Functions API reference, "RedriveExecution"; developer guide, "Redriving
executions"): a FAILED, TIMED_OUT or ABORTED execution of a STANDARD state machine that stopped
less than 14 days ago resumes, under the same ARN and definition, at the top-level state that did
not complete, with that state's input; the successful states are not run again and their history
stays, followed by an ExecutionRedriven event. Divergence: a failed Map or Parallel state runs all
its iterations or branches again (AWS reruns only the unsuccessful ones), and variables assigned
before the failed state are not restored.

StartMessageMoveTask (SQS API reference): the source must be the dead-letter queue of another
queue; messages go to DestinationArn, or back to the queue they were dead-lettered from; one
active task per source queue. Divergence: a dead-letter queue shared by several source queues
needs a DestinationArn (the local queue does not record where each message came from).
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import threading
import time
import uuid

from .moto_internals import add, replace

log = logging.getLogger("localaws.redrive")

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE_PERIOD = datetime.timedelta(days=14)
MAX_HISTORY_EVENTS = 25_000


def install() -> None:
    _serve_redrive_execution()
    _serve_message_move_tasks()


# --- Step Functions -----------------------------------------------------------------------------


def unfinished_state(definition: dict, events: list[dict]) -> tuple[str, object] | None:
    """The top-level state the execution did not get past and the input it entered with: the last
    top-level state entered and not exited. None when no top-level state was entered."""
    top_level = set(definition.get("States", {}))
    open_states: dict[str, object] = {}
    last = None
    for event in events:
        kind = event.get("type", "")
        if kind.endswith("StateEntered"):
            details = event.get("stateEnteredEventDetails") or {}
            if details.get("name") in top_level:
                open_states[details["name"]] = details.get("input")
                last = details["name"]
        elif kind.endswith("StateExited"):
            name = (event.get("stateExitedEventDetails") or {}).get("name")
            if name in top_level:
                open_states.pop(name, None)
                if name == last:
                    last = None
    if last is None or last not in open_states:
        return None
    raw = open_states[last]
    return last, json.loads(raw) if isinstance(raw, str) else raw


def not_redrivable_reason(
    status: str, sm_type: str, stop_date: datetime.datetime | None, events: int, now
) -> str | None:
    """Why RedriveExecution refuses (the reasons DescribeExecution's redriveStatusReason names),
    or None."""
    if sm_type == "EXPRESS":
        return "Execution of an EXPRESS state machine cannot be redriven."
    if status not in REDRIVABLE:
        return f"Execution is {status} and cannot be redriven."
    if stop_date is not None and now - stop_date > REDRIVABLE_PERIOD:
        return "Execution redrivable period exceeded."
    if events >= MAX_HISTORY_EVENTS:
        return "Execution history event limit exceeded."
    return None


def _serve_redrive_execution() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import ExecutionNotRedrivable, ExecutionStatus
    from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    from . import cloudwatch

    class RedriveWorker(ExecutionWorker):
        """Runs an execution again from `start_at` with `state_input`, continuing its history."""

        def __init__(self, *args, previous_env, start_at: str, state_input, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.previous_env, self.start_at, self.state_input = previous_env, start_at, state_input

        def _get_evaluation_entrypoint(self):
            from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

            definition = json.loads(self._evaluation_details.state_machine_details.definition)
            definition["StartAt"] = self.start_at
            return AmazonStateLanguageParser.parse(json.dumps(definition))[0]

        def _execution_logic(self) -> None:
            from moto.stepfunctions.parser.api import HistoryEventType
            from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
            from moto.stepfunctions.parser.asl.eval.event.event_manager import (
                EventHistoryContext,
            )

            program = self._get_evaluation_entrypoint()
            env = self._get_evaluation_environment()
            env.states.reset(self.state_input)
            previous = self.previous_env.event_manager
            env.event_manager = previous  # one history: the first attempt's events, then these
            last_id = len(previous.get_event_history())
            env.event_history_context = EventHistoryContext(previous_event_id=last_id)
            self.env = env
            env.event_manager.add_event(
                context=env.event_history_context,
                event_type=HistoryEventType.ExecutionRedriven,
                event_details=EventDetails(
                    executionRedrivenEventDetails={"redriveCount": self.redrive_count}
                ),
                update_source_event_id=False,
            )
            program.eval(env)
            self._execution_communication.terminated()

    def redrive_execution(self):
        arn = self._get_param("executionArn")
        execution = self.stepfunction_backend.describe_execution(arn)
        now = datetime.datetime.now(tz=datetime.UTC)
        status = getattr(execution.exec_status, "value", execution.exec_status)
        # No environment yet for an execution still starting (or a Distributed Map's child).
        env = getattr(getattr(execution, "exec_worker", None), "env", None)
        events = env.event_manager.get_event_history() if env is not None else []
        sm_type = getattr(execution, "sm_type", "STANDARD")
        sm_type = getattr(sm_type, "value", sm_type)
        reason = not_redrivable_reason(status, sm_type, execution.stop_date, len(events), now)
        if reason:
            raise ExecutionNotRedrivable(reason)
        definition = json.loads(execution.state_machine.definition)
        resume = unfinished_state(definition, events)
        start_at, state_input = resume or (definition["StartAt"], execution.input_data)
        execution.redrive_count = getattr(execution, "redrive_count", 0) + 1
        execution.redrive_date = now
        worker = RedriveWorker(
            evaluation_details=EvaluationDetails(
                aws_execution_details=execution._get_start_aws_execution_details(),
                execution_details=execution.get_start_execution_details(),
                state_machine_details=execution.get_start_state_machine_details(),
            ),
            exec_comm=execution._get_start_execution_worker_comm(),
            cloud_watch_logging_session=execution._cloud_watch_logging_session,
            activity_store=execution._activity_store,
            previous_env=execution.exec_worker.env,
            start_at=start_at,
            state_input=state_input,
        )
        worker.redrive_count = execution.redrive_count
        execution.exec_worker = worker
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = execution.error = execution.cause = None
        cloudwatch.execution_started(execution, redriven=True)
        worker.start()
        return ActionResult({"redriveDate": now})

    add("StepFunctionResponse.redrive_execution", redrive_execution)

    def describe_execution(self):
        result = original_describe(self)
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        status = getattr(execution.exec_status, "value", execution.exec_status)
        # No environment yet for an execution still starting (or a Distributed Map's child).
        env = getattr(getattr(execution, "exec_worker", None), "env", None)
        events = env.event_manager.get_event_history() if env is not None else []
        sm_type = getattr(execution, "sm_type", "STANDARD")
        sm_type = getattr(sm_type, "value", sm_type)
        reason = not_redrivable_reason(
            status, sm_type, execution.stop_date, len(events), datetime.datetime.now(datetime.UTC)
        )
        result.result["redriveCount"] = getattr(execution, "redrive_count", 0)
        if getattr(execution, "redrive_date", None):
            result.result["redriveDate"] = execution.redrive_date
        result.result["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            result.result["redriveStatusReason"] = reason
        return result

    original_describe = replace("StepFunctionResponse.describe_execution", describe_execution)


# --- SQS ----------------------------------------------------------------------------------------


class MoveTask:
    """One StartMessageMoveTask: moves the source's visible messages, at most `rate` a second."""

    def __init__(self, backend, source, destination, rate: int | None, explicit: bool) -> None:
        self.backend, self.source, self.destination = backend, source, destination
        self.rate, self.explicit = rate, explicit
        self.task_id = str(uuid.uuid4())
        self.handle = base64.b64encode(
            json.dumps({"taskId": self.task_id, "sourceArn": source.queue_arn}).encode()
        ).decode()
        self.status = "RUNNING"
        self.moved = 0
        self.to_move = len([m for m in source._messages if m.visible])
        self.started = int(time.time() * 1000)
        self.failure: str | None = None
        self._cancel = threading.Event()

    def run(self) -> None:
        try:
            for message in [m for m in list(self.source._messages) if m.visible]:
                if self._cancel.is_set():
                    self.status = "CANCELLED"
                    return
                self.backend.send_message(
                    self.destination.name,
                    message.body,
                    message_attributes=dict(message.message_attributes or {}),
                )
                self.source._messages.remove(message)
                self.moved += 1
                if self.rate:
                    time.sleep(1 / self.rate)
            self.status = "COMPLETED"
        except Exception as exc:  # the messages not moved stay in the source
            log.exception("message move task %s failed", self.task_id)
            self.status, self.failure = "FAILED", str(exc)

    def cancel(self) -> None:
        self._cancel.set()
        self.status = "CANCELLING"

    def describe(self) -> dict:
        found = {
            "TaskHandle": self.handle,
            "Status": self.status,
            "SourceArn": self.source.queue_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started,
        }
        if self.explicit:
            found["DestinationArn"] = self.destination.queue_arn
        if self.rate:
            found["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            found["FailureReason"] = self.failure
        return found


def dead_letter_sources(backend, dlq_arn: str) -> list:
    """The queues whose redrive policy sends their dead letters to this queue."""
    return [
        q
        for q in backend.queues.values()
        if q.redrive_policy and q.redrive_policy.get("deadLetterTargetArn") == dlq_arn
    ]


def _serve_message_move_tasks() -> None:
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import sqs_backends

    from . import authorization

    class AccessDenied(ServiceException):
        code = "AccessDenied"

    tasks: dict[str, list[MoveTask]] = {}  # by source queue ARN, newest last

    def queue_of(arn: str, parameter: str):
        parts = arn.split(":") if arn else []
        if len(parts) != 6 or parts[2] != "sqs":
            raise InvalidParameterValue(f"Value {arn} for parameter {parameter} is invalid.")
        backend = sqs_backends[parts[4]][parts[3]]
        queue = backend.queues.get(parts[5])
        if queue is None:
            raise InvalidParameterValue(
                f"The resource that you specified for {parameter} does not exist."
            )
        return backend, queue

    def check_caller(source, destinations) -> None:
        # The developer guide's "Configuring queue permissions for dead-letter queue redrives":
        # on the source, receive, delete and read attributes; on each destination, send.
        region = source.region
        needs = [
            (f"sqs:{action}", source.queue_arn)
            for action in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
        ]
        needs += [("sqs:SendMessage", d.queue_arn) for d in destinations]
        for action, resource in needs:
            if not authorization.caller_may(action, resource, region):
                raise AccessDenied(f"not authorized to perform: {action} on resource: {resource}")

    def start_message_move_task(self):
        source_arn = self._get_param("SourceArn")
        destination_arn = self._get_param("DestinationArn")
        rate = self._get_param("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= int(rate) <= 500:
            raise InvalidParameterValue(
                "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be"
                " between 1 and 500."
            )
        backend, source = queue_of(source_arn, "SourceArn")
        sources = dead_letter_sources(backend, source.queue_arn)
        if not sources:
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn:
            destination = queue_of(destination_arn, "DestinationArn")[1]
        elif len(sources) == 1:
            destination = sources[0]
        else:
            raise InvalidParameterValue(
                "The local AWS needs DestinationArn for a dead-letter queue of several queues."
            )
        running = [t for t in tasks.get(source.queue_arn, []) if t.status == "RUNNING"]
        if running:
            raise InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a source"
                " queue arn at a given time."
            )
        check_caller(source, [destination])
        task = MoveTask(
            backend, source, destination, int(rate) if rate else None, bool(destination_arn)
        )
        tasks.setdefault(source.queue_arn, []).append(task)
        threading.Thread(target=task.run, name="sqs-move-task", daemon=True).start()
        return ActionResult({"TaskHandle": task.handle})

    def list_message_move_tasks(self):
        source_arn = self._get_param("SourceArn")
        queue_of(source_arn, "SourceArn")
        limit = int(self._get_param("MaxResults") or 1)
        if not 1 <= limit <= 10:
            raise InvalidParameterValue("Value for parameter MaxResults is invalid.")
        newest = list(reversed(tasks.get(source_arn, [])))[:limit]
        return ActionResult({"Results": [t.describe() for t in newest]})

    def cancel_message_move_task(self):
        handle = self._get_param("TaskHandle")
        try:
            found = json.loads(base64.b64decode(handle))
            task = next(
                t for t in tasks.get(found["sourceArn"], []) if t.task_id == found["taskId"]
            )
        except Exception:
            raise InvalidParameterValue("Value for parameter TaskHandle is invalid.") from None
        if task.status != "RUNNING":
            raise InvalidParameterValue("Only a RUNNING task can be cancelled.")
        task.cancel()
        return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})

    add("SQSResponse.start_message_move_task", start_message_move_task)
    add("SQSResponse.list_message_move_tasks", list_message_move_tasks)
    add("SQSResponse.cancel_message_move_task", cancel_message_move_task)
