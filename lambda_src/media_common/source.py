"""Reading the upload itself, by byte ranges, only as long as it is the upload the split planned
from (its ETag): its index for the split, and for the encoders their chunks and the audio."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from botocore.exceptions import ClientError
from lambda_common.s3 import download_ranges, read_range

from media_common import isobmff
from media_common.errors import CorruptInputError, SourceChangedError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.manifest import Manifest, Part
from media_common.transcode import audio_command, chunk_copy_command

GONE = ("PreconditionFailed", "412", "NoSuchKey", "404")


@contextmanager
def unchanged(label: str, etag: str) -> Iterator[None]:
    """SourceChangedError when S3 refuses a read because the object is no longer this one."""
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in GONE:
            raise
        raise SourceChangedError(
            f"{label} was replaced or deleted during its conversion (it was ETag {etag}); "
            "a new upload has a conversion of its own"
        ) from exc


def copy_index(
    s3, bucket: str, key: str, etag: str, size: int, path: Path
) -> isobmff.Layout | None:
    """At `path`, a sparse copy of the `size`-byte upload holding its index, and its layout;
    None (and no file) when it is not a plain MP4/QuickTime file. The blocks read to find the
    boxes are kept, so only what they miss of the index is read again (usually nothing)."""
    fetched: list[isobmff.Range] = []
    with path.open("wb") as file:
        file.truncate(size)

        def read(start: int, length: int) -> bytes:
            data = read_range(s3, bucket, key, start, start + length, etag)
            os.pwrite(file.fileno(), data, start)
            fetched.append((start, start + len(data)))
            return data

        layout = isobmff.read_layout(read, size)
    if layout is None:
        path.unlink()
        return None
    download_ranges(s3, bucket, key, etag, isobmff.uncovered(layout.index, fetched), path)
    return layout


def copy_chunk(s3, manifest: Manifest, part: Part, chunk: Path) -> None:
    """The chunk of `part` at `chunk`, copied out of the upload's index and the chunk's bytes
    (the rest of that copy is a hole, see download_ranges)."""
    ranges = [*manifest.source_index, part.byte_range]
    command = partial(chunk_copy_command, out=chunk, seek=part.seek, packets=part.chunk_packets)
    _from_upload(s3, manifest, ranges, chunk, command, f"part {part.index}")


def extract_audio(s3, manifest: Manifest, audio: Path) -> None:
    """The upload's audio track at `audio`, as the split extracts it from the files it cuts."""
    command = partial(audio_command, audio=audio, copy_audio=manifest.audio_codec == "aac")
    _from_upload(s3, manifest, [(0, manifest.source_size)], audio, command, "the audio")


def _from_upload(
    s3, manifest: Manifest, ranges: list, out: Path, command: Callable[[Path], list], what: str
) -> None:
    """Runs `command` on a copy of the upload holding `ranges`, made beside `out` and deleted
    after; SourceChangedError if the upload changed, CorruptInputError if ffmpeg fails."""
    label = f"s3://{manifest.source_bucket}/{manifest.source_key}"
    copy = out.with_name("source")  # no extension: the demuxer goes by content
    with unchanged(label, manifest.source_etag):
        download_ranges(
            s3,
            manifest.source_bucket,
            manifest.source_key,
            manifest.source_etag,
            ranges,
            copy,
            manifest.source_size,
        )
    try:
        run_ffmpeg(command(copy))
    except FFmpegError as exc:
        if exc.crashed:
            raise
        raise CorruptInputError(f"{what} of {label} could not be read: {exc.detail}") from exc
    finally:
        copy.unlink()
