"""The job manifest: written once by the split, read by the encode and merge steps."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fractions import Fraction

# 2: parts decoded from shared chunks (source, skip, offset); 3: chunks read from the upload
# (byte_range, seek, chunk_packets; source_size, source_index), the audio as a Map item
VERSION = 3
# A version 2 manifest is a version 3 one whose chunks the split cut: a job split before an
# upgrade of the functions is encoded and merged after it.
READABLE_VERSIONS = (2, VERSION)


@dataclass(frozen=True)
class Part:
    index: int
    key: str  # its name: the encoded part is encoded/<the same name>
    duration: float  # from its first frame to the next part's, in the source
    frames: int
    # The chunk (stream copy from a keyframe) it is decoded from: the split's copy in the work
    # bucket, or None: copied by its encoder from the upload (transcode.chunk_copy_command),
    # whose bytes [byte_range) hold the chunk's packets.
    source: str | None
    skip: int = 0  # frames of the chunk before the part's first
    offset: float = 0.0  # seconds from the chunk's first frame to the part's
    byte_range: tuple[int, int] | None = None
    seek: float | None = None  # where the chunk starts, as chunk_copy_command takes it
    chunk_packets: int = 0


@dataclass(frozen=True)
class Manifest:
    job_id: str
    source_bucket: str
    source_key: str
    source_etag: str
    duration: float  # source container duration: the output must match it within a frame
    fps: str  # exact rational, e.g. "30000/1001"
    frames: int  # video frames over all parts: the output must have exactly as many
    width: int
    height: int
    sar: str  # sample aspect ratio, e.g. "1:1"
    rotation: int
    has_audio: bool
    audio_key: str | None
    video_offset: float  # seconds from the start of the file to the first frame
    audio_offset: float  # ... and to the first audio sample
    output_key: str
    thumbnail_key: str
    parts: tuple[Part, ...]
    variable_frame_rate: bool = False  # frame intervals vary (MediaConvert retimes such input)
    # With chunks read from the upload: its size, and the byte ranges of its index (isobmff).
    source_size: int = 0
    source_index: tuple[tuple[int, int], ...] = ()
    # The audio is extracted by a Map item of its own (the last), not by the split; copied if
    # it is AAC, else encoded.
    audio_in_map: bool = False
    audio_codec: str | None = None
    version: int = VERSION

    @property
    def frame_duration(self) -> float:
        return float(1 / Fraction(self.fps))

    @property
    def sample_aspect_ratio(self) -> Fraction:
        return Fraction(self.sar.replace(":", "/"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("version") not in READABLE_VERSIONS:
            raise ValueError(
                f"manifest version {data.get('version')} is not one of {READABLE_VERSIONS}"
            )
        parts = tuple(
            Part(**{**part, "byte_range": _pair(part.get("byte_range"))}) for part in data["parts"]
        )
        index = tuple(_pair(byte_range) for byte_range in data.get("source_index", ()))
        return cls(**{**data, "parts": parts, "source_index": index})


def _pair(value: list[int] | None) -> tuple[int, int] | None:
    """JSON has no tuples: a [start, end) range comes back as a list."""
    return None if value is None else (value[0], value[1])


def read_manifest(s3, bucket: str, key: str) -> Manifest:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return Manifest.from_json(body.decode())


def write_manifest(s3, bucket: str, key: str, manifest: Manifest) -> None:
    s3.put_object(
        Bucket=bucket, Key=key, Body=manifest.to_json().encode(), ContentType="application/json"
    )
