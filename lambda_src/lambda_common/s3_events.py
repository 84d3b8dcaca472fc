"""The objects an S3 event notification is about, with their keys decoded."""

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
    """Objects of an S3 notification; S3's s3:TestEvent has no Records and yields none."""
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
