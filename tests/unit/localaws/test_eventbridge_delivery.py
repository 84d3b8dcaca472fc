"""The local EventBridge's target input and retry decisions, in process (the deliveries
themselves: tests/localaws/test_eventbridge.py)."""

from __future__ import annotations

import json
import threading

import pytest
from localaws import eventbridge
from localaws.eventbridge import Delivery, DeliveryFailed, EventBridge, target_input

EVENT = {
    "id": "1",
    "time": "2026-01-01T00:00:00Z",
    "resources": ["arn:aws:s3:::b"],
    "detail": {"object": {"key": "a/b.mp4", "size": 7}, "tags": ["x", "y"]},
}


def test_input_choices():
    """PutTargets: Input is sent as is, InputPath selects, nothing sends the whole event."""
    assert target_input({"Input": '{"fixed": 1}'}, EVENT, "arn", "r") == '{"fixed": 1}'
    assert json.loads(target_input({"InputPath": "$.detail.object"}, EVENT, "arn", "r")) == {
        "key": "a/b.mp4",
        "size": 7,
    }
    assert json.loads(target_input({"InputPath": "$.resources[0]"}, EVENT, "a", "r")) == (
        "arn:aws:s3:::b"
    )
    assert json.loads(target_input({}, EVENT, "arn", "r")) == EVENT


def test_transformer_quotes_by_position():
    transformer = {
        "InputPathsMap": {"key": "$.detail.object.key", "tags": "$.detail.tags", "no": "$.nope"},
        "InputTemplate": '{"k": <key>, "t": <tags>, "s": "<key> (<tags>)", "n": <no>, '
        '"rule": "<aws.events.rule-arn>"}',
    }
    result = json.loads(target_input({"InputTransformer": transformer}, EVENT, "arn:r", "r"))
    assert result == {
        "k": "a/b.mp4",
        "t": ["x", "y"],
        "s": 'a/b.mp4 (["x", "y"])',
        "n": None,
        "rule": "arn:r",
    }


def test_transformer_can_make_a_plain_string():
    transformer = {"InputPathsMap": {"key": "$.detail.object.key"}, "InputTemplate": '"<key>"'}
    assert json.loads(target_input({"InputTransformer": transformer}, EVENT, "a", "r")) == (
        "a/b.mp4"
    )


class Recorded(EventBridge):
    """Deliveries that fail as told; dead letters recorded instead of sent."""

    def __init__(self, failures: list[DeliveryFailed]) -> None:
        super().__init__(service=None, endpoint="http://unused")
        self.failures = failures
        self.letters: list[tuple[int, str | None]] = []
        self.done = threading.Event()

    def _deliver(self, delivery, payload):
        if self.failures:
            raise self.failures.pop(0)
        self.done.set()

    def _dead_letter(self, delivery, failed, exhausted):
        self.letters.append((delivery.attempts, exhausted))
        self.done.set()

    def _metric(self, delivery, name):
        pass


def delivery(**target) -> Delivery:
    return Delivery("arn:rule", "rule", "123456789012", "us-east-1", {"Arn": "arn:x", **target},
                    EVENT, received=0.0)  # fmt: skip


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(eventbridge, "RETRY_FIRST_DELAY", 0.0)
    monkeypatch.setattr(eventbridge.time, "monotonic", lambda: 0.0)


def test_retriable_failures_are_retried_up_to_the_policy_then_dead_lettered():
    bridge = Recorded([DeliveryFailed("THROTTLING", "slow down")] * 5)
    bridge._attempt(delivery(RetryPolicy={"MaximumRetryAttempts": 2}))
    assert bridge.done.wait(10)
    assert bridge.letters == [(3, "MaximumRetryAttempts")]


def test_a_retry_that_succeeds_sends_nothing_to_the_dead_letter_queue():
    bridge = Recorded([DeliveryFailed("THROTTLING", "slow down")])
    bridge._attempt(delivery())
    assert bridge.done.wait(10)
    assert bridge.letters == []


def test_permission_errors_are_not_retried():
    bridge = Recorded([DeliveryFailed("NO_PERMISSIONS", "denied", retriable=False)])
    bridge._attempt(delivery(RetryPolicy={"MaximumRetryAttempts": 5}))
    assert bridge.done.wait(10)
    assert bridge.letters == [(1, None)]


def test_events_older_than_the_maximum_age_are_not_retried(monkeypatch):
    monkeypatch.setattr(eventbridge.time, "monotonic", lambda: 120.0)
    bridge = Recorded([DeliveryFailed("THROTTLING", "slow down")] * 3)
    bridge._attempt(delivery(RetryPolicy={"MaximumEventAgeInSeconds": 60}))
    assert bridge.done.wait(10)
    assert bridge.letters == [(1, "MaximumEventAgeInSeconds")]
