"""Which upload of a key an output should show, whatever order SQS delivers their messages in.

S3 gives every PUT or DELETE event a `sequencer`: of two events of the same key, the one with the
greater sequencer happened later; the strings may differ in length, so the shorter is left-padded
with zeros before a lexicographical comparison (S3 User Guide, "Event message structure").
Each output records the sequencer of the upload it was made from, so an older upload's message,
delivered late or still transcoding when a newer one finished, never replaces it.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

from media_common.errors import InvalidMessageError

HEX = re.compile(r"[0-9A-Fa-f]+")


class Decision(enum.Enum):
    TRANSCODE = "transcode"  # no output yet, or one made from an older upload
    DONE = "done"  # the output was made from this very upload (a redelivered message)
    SUPERSEDED = "superseded"  # the output was made from a later upload of the key


@dataclass(frozen=True)
class Upload:
    """The upload a message announces."""

    bucket: str
    key: str
    etag: str
    size: int | None
    sequencer: str

    @classmethod
    def from_body(cls, body: str) -> Upload:
        try:
            message = json.loads(body)
        except ValueError:
            raise InvalidMessageError(f"the message is not JSON: {body[:200]!r}") from None
        if not isinstance(message, dict):
            raise InvalidMessageError(f"the message is not a JSON object: {body[:200]!r}")
        missing = [f for f in ("bucket", "key", "etag", "sequencer") if not message.get(f)]
        if missing:
            raise InvalidMessageError(
                f"the message lacks {', '.join(missing)}: each message must announce one upload"
                " as the sns-fanout publisher does, from the S3 event (re-upload the object, or"
                " copy it onto itself, to publish it again)"
            )
        if not isinstance(message["sequencer"], str) or not HEX.fullmatch(message["sequencer"]):
            raise InvalidMessageError(
                f"sequencer {message['sequencer']!r} is not the hexadecimal string of an S3 event"
            )
        return cls(
            bucket=message["bucket"],
            key=message["key"],
            etag=message["etag"].strip('"'),  # S3 events give it bare, HeadObject quoted
            size=message.get("size"),
            sequencer=message["sequencer"],
        )

    def as_message(self) -> dict:
        """The message that announced it (the ETag bare, as S3 events give it)."""
        return {
            "bucket": self.bucket,
            "key": self.key,
            "etag": self.etag,
            "size": self.size,
            "sequencer": self.sequencer,
        }


@dataclass(frozen=True)
class Output:
    """An existing output: its own ETag (what a conditional write replaces) and the upload it
    was made from (None for an output written before outputs recorded their sequencer)."""

    etag: str
    source_etag: str | None
    source_sequencer: str | None


def sequencer_key(sequencer: str, width: int) -> str:
    return sequencer.upper().rjust(width, "0")


def compare_sequencers(a: str, b: str) -> int:
    """-1, 0 or 1 as the event of sequencer `a` happened before, is, or came after `b`'s."""
    width = max(len(a), len(b))
    left, right = sequencer_key(a, width), sequencer_key(b, width)
    return (left > right) - (left < right)


def decide(upload: Upload, output: Output | None) -> Decision:
    if output is None or output.source_sequencer is None:
        return Decision.TRANSCODE
    order = compare_sequencers(upload.sequencer, output.source_sequencer)
    if order > 0:
        return Decision.TRANSCODE
    return Decision.DONE if order == 0 else Decision.SUPERSEDED
