"""The scale model: how long each step of the media workflows takes for a source, with how much
memory and /tmp, at Lambda's memory-to-vCPU ratio; and the execution's critical path.

Pure arithmetic over measured and stated constants. The sns-fanout transcoder asks it whether a
rendition fits its function's timeout (else it goes through parts); scripts/scale_table.py prints
the table of the media-convert README for the seed's four test cases; the modules' defaults and
plan-time checks follow from it (tests/unit/test_scale_model.py holds them to it).

Lambda facts (Lambda Developer Guide, "Configure Lambda function memory": 1,769 MB is one vCPU,
memory 128-10,240 MB; "Configure ephemeral storage": 512-10,240 MB; "Configure Lambda function
timeout": at most 900 s) and Step Functions' 256 KiB state payload ("Step Functions service
quotas").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MB_PER_VCPU = 1769
MAX_MEMORY_MB = 10240
MAX_VCPUS = 6
MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB = 512, 10240
MAX_TIMEOUT_S = 900
STATE_PAYLOAD_BYTES = 256 * 1024
INLINE_MAP_MAX_CONCURRENCY = 40

# CPU seconds per frame = DECODE * source megapixels + ENCODE[preset] * output megapixels,
# fitted to tests/bench/bench_scale.py's medians (build/bench/scale.json) on this project's
# development machine (x86_64, 2 shared cores); Lambda's vCPUs are assumed no faster.
# Fit on 2026-11-29 (3 rounds, load 3.4-8.9): 1080p→720p veryfast 83.0 fps per vCPU,
# 1080p→1080p 46.6, 2160p→720p 47.0, 2160p→1080p 33.3, 1080p→720p ultrafast 158.8; the fit is
# within 7 % of each.
DECODE_CPU_S_PER_MPX = 0.00153
ENCODE_CPU_S_PER_MPX = {"ultrafast": 0.00339, "veryfast": 0.00874}
# Presets not measured are costed as the next slower measured one (erring long).
PRESET_ORDER = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")

# Stated, not measured here (no AWS account in the loop): one S3 stream from Lambda in-region,
# and ffmpeg's stream copy on /tmp. Erring low.
S3_DOWNLOAD_BYTES_S = 80e6
S3_UPLOAD_BYTES_S = 60e6
STREAM_COPY_BYTES_S = 300e6
PROBE_S = 0.1  # one ffprobe of a part
INDEX_BYTES_PER_FRAME = (
    30  # an MP4's moov, per video frame with its audio (53 KB for 60 s at 30 fps)
)
INVOKE_OVERHEAD_S = 1.0  # a Lambda invocation and a state transition, cold start included
OUTPUT_BITS_PER_PIXEL = 0.1  # H.264 at CRF 23 on camera content, per pixel per frame
AUDIO_BYTES_S = 192_000 / 8
PROCESS_MB = 150  # ffmpeg and the Python runtime before any frame
FRAME_BUFFERS = 24  # frames of each size held by the decoder and x264 (references, lookahead)

# What the functions demand (media_common.input_size.TEMP_SPACE_FACTOR) and what the sns-fanout
# transcoder leaves itself: a rendition goes through parts when its single pass is predicted to
# take more than this share of the function's timeout.
TEMP_SPACE_FACTOR = 3
IN_PROCESS_SHARE = 0.5


@dataclass(frozen=True)
class Frame:
    width: int
    height: int

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


RESOLUTIONS = {
    "720p": Frame(1280, 720),
    "1080p": Frame(1920, 1080),
    "2160p": Frame(3840, 2160),
}


def vcpus(memory_mb: int) -> float:
    return min(memory_mb / MB_PER_VCPU, MAX_VCPUS)


def output_frame(source: Frame, height: int) -> Frame:
    """At most `height` tall, never upscaled, aspect kept, both sides even (as the encoders)."""
    if source.height <= height:
        return source
    width = round(source.width * height / source.height / 2) * 2
    return Frame(width, height)


def measured_preset(preset: str) -> str | None:
    """The measured preset at least as slow as `preset` (the cost errs long); None for presets
    slower than any measured, whose cost the model does not know."""
    order = PRESET_ORDER[PRESET_ORDER.index(preset) :] if preset in PRESET_ORDER else ()
    return next((p for p in order if p in ENCODE_CPU_S_PER_MPX), None)


def encode_cpu_seconds_per_frame(source: Frame, output: Frame, preset: str) -> float:
    measured = measured_preset(preset)
    if measured is None:
        raise ValueError(f"x264 preset {preset!r} is slower than any measured (bench_scale.py)")
    return (
        DECODE_CPU_S_PER_MPX * source.megapixels
        + ENCODE_CPU_S_PER_MPX[measured] * output.megapixels
    )


def encode_seconds(
    frames: float, source: Frame, output: Frame, preset: str, memory_mb: int
) -> float:
    return frames * encode_cpu_seconds_per_frame(source, output, preset) / vcpus(memory_mb)


def encode_memory_mb(source: Frame, output: Frame) -> int:
    """Peak memory of one encode: the process, and frame buffers (YUV 4:2:0, 1.5 bytes a pixel)
    of the decoded source and the scaled output."""
    frame_mb = 1.5 * (source.megapixels + output.megapixels)
    return math.ceil(PROCESS_MB + FRAME_BUFFERS * frame_mb)


@dataclass(frozen=True)
class Source:
    size_bytes: int
    duration_s: float
    frame: Frame
    fps: float = 30.0
    has_audio: bool = True

    @property
    def frames(self) -> float:
        return self.duration_s * self.fps


@dataclass(frozen=True)
class Function:
    """A Lambda function's settings."""

    memory_mb: int
    timeout_s: int
    ephemeral_mb: int


@dataclass(frozen=True)
class Step:
    """One invocation: predicted wall seconds, memory and /tmp it needs (MB), and whether that
    fits the function's settings."""

    name: str
    wall_s: float
    memory_mb: int
    ephemeral_mb: int
    function: Function

    @property
    def fits(self) -> bool:
        return (
            self.wall_s <= self.function.timeout_s
            and self.memory_mb <= self.function.memory_mb
            and self.ephemeral_mb <= self.function.ephemeral_mb
        )


@dataclass(frozen=True)
class Plan:
    parts: int
    rounds: int  # Map rounds at the concurrency
    split: Step
    encode: Step  # the longest part
    audio: Step | None  # the Map's audio item, when the chunks are read from the upload
    merge: Step
    critical_path_s: float
    parts_payload_bytes: int  # the split's `parts` array in the state

    @property
    def fits(self) -> bool:
        return (
            self.split.fits
            and self.encode.fits
            and (self.audio is None or self.audio.fits)
            and self.merge.fits
            and self.parts_payload_bytes <= STATE_PAYLOAD_BYTES
        )


def output_bytes(source: Source, output: Frame, duration_s: float) -> float:
    video = OUTPUT_BITS_PER_PIXEL * output.width * output.height * source.fps * duration_s / 8
    return video + (AUDIO_BYTES_S * duration_s if source.has_audio else 0)


def mb(size_bytes: float) -> int:
    return math.ceil(size_bytes / 2**20)


PART_ITEM_BYTES = 80  # {"index": 123, "key": "jobs/<16 hex>/parts/00123.mp4"} in compact JSON


def media_convert(
    source: Source,
    segment_duration: int,
    output_height: int,
    preset: str,
    split: Function,
    encode: Function,
    merge: Function,
    concurrency: int,
    chunks_in_source: bool = True,
) -> Plan:
    """media-convert's split → Map of part encodes → merge, parts cut every segment_duration
    seconds (keyframes at least that often). `chunks_in_source`: an MP4/QuickTime upload with
    the ffmpeg encoders, whose split reads the index only, each encoder copies its chunk from
    the upload and the audio is a Map item of its own; else the split downloads the upload,
    cuts the chunks and uploads them."""
    parts = max(1, math.ceil(source.duration_s / segment_duration))
    part_s = min(segment_duration, source.duration_s)
    output = output_frame(source.frame, output_height)
    audio = AUDIO_BYTES_S * source.duration_s if source.has_audio else 0
    index = INDEX_BYTES_PER_FRAME * source.frames
    # The split's index-only copy reads as the whole file (holes); a full copy is downloaded,
    # read by the stream copy and uploaded as chunks.
    split_s = (
        index / S3_DOWNLOAD_BYTES_S + source.size_bytes / STREAM_COPY_BYTES_S
        if chunks_in_source
        else source.size_bytes
        * (1 / S3_DOWNLOAD_BYTES_S + 1 / STREAM_COPY_BYTES_S + 1 / S3_UPLOAD_BYTES_S)
    )
    split_step = Step(
        "split",
        INVOKE_OVERHEAD_S + split_s + parts * PROBE_S,
        PROCESS_MB,
        mb(TEMP_SPACE_FACTOR * source.size_bytes),  # what it checks for before reading
        split,
    )
    part_bytes = source.size_bytes * part_s / source.duration_s
    encoded_bytes = output_bytes(source, output, part_s)
    # From the upload: the index too, and the chunk copied out of the partial copy.
    copy_s = index / S3_DOWNLOAD_BYTES_S + part_bytes / STREAM_COPY_BYTES_S
    encode_step = Step(
        "encode",
        INVOKE_OVERHEAD_S
        + part_bytes / S3_DOWNLOAD_BYTES_S
        + (copy_s if chunks_in_source else 0)
        + encode_seconds(part_s * source.fps, source.frame, output, preset, encode.memory_mb)
        + encoded_bytes / S3_UPLOAD_BYTES_S,
        encode_memory_mb(source.frame, output),
        mb((2 if chunks_in_source else 1) * part_bytes + encoded_bytes),
        encode,
    )
    audio_step = None
    if chunks_in_source and source.has_audio:
        audio_step = Step(
            "audio",
            INVOKE_OVERHEAD_S
            + source.size_bytes / S3_DOWNLOAD_BYTES_S
            + source.size_bytes / STREAM_COPY_BYTES_S
            + audio / S3_UPLOAD_BYTES_S,
            PROCESS_MB,
            mb(source.size_bytes + audio),
            encode,
        )
    out_bytes = output_bytes(source, output, source.duration_s)
    merge_step = Step(
        "merge",
        INVOKE_OVERHEAD_S
        + (out_bytes - audio + audio) / S3_DOWNLOAD_BYTES_S
        + 2 * out_bytes / STREAM_COPY_BYTES_S  # the concat, then the verifying probe's read
        + out_bytes / S3_UPLOAD_BYTES_S,
        PROCESS_MB,
        mb(2 * out_bytes),
        merge,
    )
    items = parts + (audio_step is not None)
    rounds = math.ceil(items / concurrency) if concurrency else 1
    # The audio item is the Map's last: it starts in its last round.
    last = max(encode_step.wall_s, audio_step.wall_s if audio_step else 0)
    return Plan(
        parts=parts,
        rounds=rounds,
        split=split_step,
        encode=encode_step,
        audio=audio_step,
        merge=merge_step,
        critical_path_s=split_step.wall_s
        + (rounds - 1) * encode_step.wall_s
        + last
        + merge_step.wall_s,
        parts_payload_bytes=items * PART_ITEM_BYTES,
    )


def single_pass(source: Source, output_height: int, preset: str, function: Function) -> Step:
    """sns-fanout's transcoder encoding the whole source in one invocation."""
    output = output_frame(source.frame, output_height)
    rendition = output_bytes(source, output, source.duration_s)
    return Step(
        "single pass",
        INVOKE_OVERHEAD_S
        + source.size_bytes / S3_DOWNLOAD_BYTES_S
        + encode_seconds(source.frames, source.frame, output, preset, function.memory_mb)
        + rendition / S3_UPLOAD_BYTES_S,
        encode_memory_mb(source.frame, output),
        mb(TEMP_SPACE_FACTOR * source.size_bytes),
        function,
    )


def fits_in_process(
    source: Source, output_height: int, preset: str, memory_mb: int, remaining_s: float
) -> bool:
    """Whether the transcoder, holding the downloaded source, should encode it itself: the
    encode and upload predicted within IN_PROCESS_SHARE of the time it has left. Not for a
    preset the model cannot cost: parts are the safe side."""
    if measured_preset(preset) is None:
        return False
    output = output_frame(source.frame, output_height)
    left = (
        encode_seconds(source.frames, source.frame, output, preset, memory_mb)
        + output_bytes(source, output, source.duration_s) / S3_UPLOAD_BYTES_S
    )
    return left <= IN_PROCESS_SHARE * remaining_s


def max_input_bytes(split_ephemeral_mb: int) -> int:
    """The largest upload the split's /tmp holds: it needs TEMP_SPACE_FACTOR times the input."""
    return split_ephemeral_mb * 2**20 // TEMP_SPACE_FACTOR
