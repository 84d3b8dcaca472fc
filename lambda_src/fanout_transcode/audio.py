"""The audio of a rendition made in parts: media-convert's merge adds the source's audio as it
is (AAC copied); a rendition has its own audio bitrate."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
from media_common.ffmpeg_runner import FFMPEG_GLOBAL_ARGS


def audio_command(merged: Path, out: Path, audio_bitrate: str) -> list[str]:
    """The merged video copied as it is (every frame, every timestamp), the audio encoded to AAC
    at the rendition's bitrate, ready for progressive playback."""
    source = ffmpeg.input(str(merged))
    stream = ffmpeg.output(
        source["v:0"],
        source["a:0"],
        str(out),
        vcodec="copy",
        acodec="aac",
        movflags="+faststart",
        **{"b:a": audio_bitrate},
    )
    return stream.global_args(*FFMPEG_GLOBAL_ARGS).overwrite_output().compile()
