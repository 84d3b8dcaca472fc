"""S3 events, whichever way they come: a notification or an EventBridge "Object Created"
event (the examples of the S3 User Guide's "Event message structure" and "EventBridge event
message structure")."""

from __future__ import annotations

from lambda_common.naming import execution_name
from lambda_common.s3_events import CreatedObject, created_objects


def notification(key: str, version_id: str | None = None) -> dict:
    obj = {"key": key, "size": 5, "eTag": "b1946ac9", "sequencer": "0A1B"}
    if version_id:
        obj["versionId"] = version_id
    return {"Records": [{"s3": {"bucket": {"name": "uploads"}, "object": obj}}]}


def eventbridge(key: str, version_id: str | None = None) -> dict:
    obj = {"key": key, "size": 5, "etag": "b1946ac9", "sequencer": "0A1B"}
    if version_id:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "resources": ["arn:aws:s3:::uploads"],
        "detail": {"version": "0", "bucket": {"name": "uploads"}, "object": obj,
                   "reason": "PutObject"},
    }  # fmt: skip


def test_an_eventbridge_event_gives_the_object_its_notification_gives():
    for version in (None, "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"):
        [from_rule] = created_objects(eventbridge("in/My+clip+%C3%BC.mp4", version))
        [from_notification] = created_objects(notification("in/My+clip+%C3%BC.mp4", version))
        assert (
            from_rule
            == from_notification
            == CreatedObject("uploads", "in/My clip ü.mp4", "b1946ac9", 5, version, "0A1B")
        )
        # the same execution name, so a workflow switched between triggers starts nothing twice
        both = (from_rule, from_notification)
        assert len({execution_name(o.bucket, o.key, o.etag, o.version_id) for o in both}) == 1


def test_other_eventbridge_events_carry_no_created_object():
    deleted = {**eventbridge("a.mp4"), "detail-type": "Object Deleted"}
    assert created_objects(deleted) == []
    assert created_objects({"source": "aws.glue", "detail-type": "Object Created"}) == []
