"""The objects an S3 event is about, with their keys decoded: an S3 event notification (S3
invokes the function) or an "Object Created" event of Amazon EventBridge (a rule invokes it)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class CreatedObject:
    bucket: str
    key: str
    etag: str
    size: int | None
    version_id: str | None
    # Orders the events of one key (S3 User Guide, "Event message structure"); compared by
    # fanout_transcode.ordering.
    sequencer: str | None = None

    def as_message(self) -> dict:
        return {"bucket": self.bucket, "key": self.key, "etag": self.etag, "size": self.size}


def created_objects(event: dict) -> list[CreatedObject]:
    """Objects of an S3 notification or of an EventBridge "Object Created" event; S3's
    s3:TestEvent has no Records and yields none."""
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        return [eventbridge_object(event["detail"])]
    objects = []
    for record in event.get("Records", []):
        obj = record["s3"]["object"]
        objects.append(
            CreatedObject(
                bucket=record["s3"]["bucket"]["name"],
                key=unquote_plus(obj["key"]),  # event keys are URL-encoded, spaces as "+"
                etag=obj.get("eTag", ""),
                size=obj.get("size"),
                version_id=obj.get("versionId"),
                sequencer=obj.get("sequencer"),
            )
        )
    return objects


def eventbridge_object(detail: dict) -> CreatedObject:
    """The object of an EventBridge "Object Created" event's detail (S3 User Guide,
    "EventBridge event message structure"): its fields are named etag and version-id there, and
    its key is URL-encoded as in notifications (Powertools' S3EventBridgeNotificationObject
    decodes it too). The same object version gives the same fields as its notification, so
    execution names stay idempotent whichever way the event came."""
    obj = detail["object"]
    return CreatedObject(
        bucket=detail["bucket"]["name"],
        key=unquote_plus(obj["key"]),
        etag=obj.get("etag", ""),
        size=obj.get("size"),
        version_id=obj.get("version-id"),
        sequencer=obj.get("sequencer"),
    )
