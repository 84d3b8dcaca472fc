"""S3 event notifications with what orders them, and their configuration read back whole.

Events carry `sequencer` on PUT and DELETE events, and `versionId` in a versioning-enabled bucket
(S3 User Guide, "Event message structure"); moto sends neither. Of two events of the same key,
the greater sequencer (hexadecimal, compared after left-padding the shorter with zeros) is the
later write: here a hexadecimal nanosecond clock that never goes back, read when moto sends the
notification, right after it stored the object.

GetBucketNotificationConfiguration answers `EventBridgeConfiguration` when the bucket sends its
events to EventBridge (S3 API Reference); moto left it out, so Terraform planned
`eventbridge = true` again at every plan.

CopyObject makes a new object in one request, with a checksum of its whole content (S3 User
Guide, "Checking object integrity": a copy's checksum is recalculated). moto kept a multipart
source's composite checksum without its part count, so a GET with checksum validation (boto3's
default) of a copy of a multipart upload failed with FlexibleChecksumError.

A GET of one byte range reads that range of the stored object. moto read the whole object for
every range, then sliced it: a range of a large object cost as much as the object, which S3's
ranged reads (and the media encoders, which read their chunk of an upload) do not. And a new
object's ETag is computed under the object's lock: moto computed it on first use by reading
the stored object from its start without the lock, so two requests at once (two ranged GETs
with If-Match, as the media split sends) read it from each other's positions and one got a
wrong ETag, kept for good, and answered 412 PreconditionFailed.
"""

from __future__ import annotations

import re
import threading
import time

from moto.s3.utils import compute_checksum

from .moto_internals import replace

SEQUENCER_DIGITS = 18  # the length of the sequencers in AWS's examples ("0055AED6DCD90281E5")
_clock = threading.Lock()
_last_sequencer = 0
_event = threading.local()  # the sequencer of the write whose notification is being sent
_ranged = threading.local()  # set while a GET of one range builds its response
ONE_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def next_sequencer() -> str:
    global _last_sequencer
    with _clock:
        _last_sequencer = max(_last_sequencer + 1, time.time_ns())
        return f"{_last_sequencer:0{SEQUENCER_DIGITS}X}"


def current_sequencer() -> str | None:
    """The sequencer of the write whose events are being sent (None outside one)."""
    return getattr(_event, "sequencer", None)


def orders_events(event_name: str) -> bool:
    """S3 gives a sequencer to PUT and DELETE events only (ObjectCreated:*, ObjectRemoved:*)."""
    return event_name.startswith(("s3:ObjectCreated:", "s3:ObjectRemoved:"))


class _StoredRange:
    """A key's content as moto's range handling uses it (its length, one slice of it), read from
    the stored object at the slice's offset."""

    def __init__(self, key) -> None:
        self._key = key

    def __len__(self) -> int:
        return self._key.size

    def __getitem__(self, span: slice) -> bytes:
        with self._key.lock:
            stored = self._key._value_buffer
            stored.seek(span.start)
            return stored.read(span.stop - span.start)


def install_stored_reads() -> None:
    """While a GET of one range `bytes=first-last` (first <= last, the form moto always slices)
    builds its response, a key's value is its _StoredRange; a key's ETag is computed holding
    its lock, as its value and its ranges are read."""

    def get_object(response):
        match = ONE_RANGE.fullmatch(response.headers.get("range", ""))
        if not match or int(match[1]) > int(match[2]):
            return original_get_object(response)
        _ranged.active = True
        try:
            return original_get_object(response)
        finally:
            _ranged.active = False

    def get_value(key):
        if getattr(_ranged, "active", False):
            return _StoredRange(key)
        return original_value.fget(key)

    def set_value(key, new_value):
        original_value.fset(key, new_value)

    def locked_etag(key):
        with key.lock:
            return original_etag.fget(key)

    original_get_object = replace("S3Response.get_object", get_object)
    original_value = replace("FakeKey.value", property(get_value, set_value))
    original_etag = replace("FakeKey.etag", property(locked_etag))


def install() -> None:
    install_stored_reads()

    def send_event(account_id, event_name, bucket, key):
        _event.sequencer = next_sequencer() if orders_events(event_name) else None
        try:
            original_send_event(account_id, event_name, bucket, key)
        finally:
            _event.sequencer = None

    def get_s3_event(event_name, bucket, key, notification_id):
        event = original_get_s3_event(event_name, bucket, key, notification_id)
        obj = event["Records"][0]["s3"]["object"]
        if getattr(_event, "sequencer", None):
            obj["sequencer"] = _event.sequencer
        if bucket.is_versioned:
            obj["versionId"] = key.version_id
        return event

    def get_bucket_notification(response):
        config = response.backend.get_bucket_notification_configuration(response.bucket_name)
        if config is None or config.event_bridge is None:
            return original_get_notification(response)
        serialize = response.serialized

        def with_eventbridge(result):
            result.result["EventBridgeConfiguration"] = {}
            return serialize(result)

        response.serialized = with_eventbridge
        try:
            return original_get_notification(response)
        finally:
            del response.serialized

    def copy_object(backend, src_key, dest_bucket_name, dest_key_name, *args, **kwargs):
        original_copy_object(backend, src_key, dest_bucket_name, dest_key_name, *args, **kwargs)
        new_key = backend.get_object(dest_bucket_name, dest_key_name)
        carried = new_key.checksum_value == src_key.checksum_value
        if src_key.checksum_type == "COMPOSITE" and carried:
            algorithm = new_key.checksum_algorithm
            new_key.checksum_value = compute_checksum(new_key.value, algorithm).decode()
            new_key.checksum_type = "FULL_OBJECT"

    original_copy_object = replace("S3Backend.copy_object", copy_object)
    original_send_event = replace("moto.s3.notifications.send_event", send_event)
    original_get_s3_event = replace("moto.s3.notifications._get_s3_event", get_s3_event)
    original_get_notification = replace(
        "S3Response.get_bucket_notification", get_bucket_notification
    )
