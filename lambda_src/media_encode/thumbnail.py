"""The workflow's thumbnail: a video frame shrunk with Pillow."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

JPEG_QUALITY = 85


def make_thumbnail(frame: Path, out: Path, width: int) -> tuple[int, int]:
    """Save `frame` as a JPEG `width` pixels wide (aspect ratio kept, never enlarged)."""
    with Image.open(frame) as image:
        rgb = image.convert("RGB")
    rgb.thumbnail((width, rgb.height))  # bounded by width only; the height follows the aspect
    rgb.save(out, "JPEG", quality=JPEG_QUALITY)
    return rgb.size
