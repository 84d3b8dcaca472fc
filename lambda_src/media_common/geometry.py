"""Output geometry shared by the encoders (ffmpeg in Lambda, MediaConvert jobs)."""

from __future__ import annotations

from fractions import Fraction


def output_size(
    width: int,
    height: int,
    max_height: int,
    sar: Fraction = Fraction(1),
    rotation: int = 0,
    upscale: bool = False,
) -> tuple[int, int]:
    """Square-pixel size of the encode: at most `max_height` tall, never taller than the source
    unless `upscale`, same display aspect ratio, both sides even (yuv420p needs even sizes)."""
    aspect = Fraction(width, height) * sar
    if rotation % 180:  # ffmpeg rotates while decoding, so the encoder sees the frame transposed
        width, height, aspect = height, width, 1 / aspect
    out_height = max(2, (max_height if upscale else min(height, max_height)) // 2 * 2)
    return max(2, 2 * round(out_height * aspect / 2)), out_height
