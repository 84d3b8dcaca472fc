"""The thumbnail of a picture (a video frame, a rider's photo): a JPEG made with Pillow."""

from __future__ import annotations

import io

from PIL import Image

JPEG_QUALITY = 85


def make_thumbnail(
    image: Image.Image, max_width: int, max_height: int | None = None
) -> tuple[bytes, tuple[int, int]]:
    """JPEG bytes and size of `image` shrunk to fit max_width x max_height (any height when
    None): aspect ratio kept, never enlarged. An RGB image is shrunk in place."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")  # JPEG has no alpha
    rgb.thumbnail((max_width, max_height or rgb.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), rgb.size
