"""lambda_common/thumbnail.py: the one thumbnail function of the video frames (media_encode) and
the rider photos (photo_thumbnail). A JPEG, aspect ratio kept, never enlarged."""

from __future__ import annotations

import io

import pytest
from lambda_common.thumbnail import make_thumbnail
from PIL import Image


def decoded(data: bytes) -> tuple[str, str, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.mode, image.size


@pytest.mark.parametrize(
    ("size", "width", "expected"),
    [((1280, 720), 320, (320, 180)), ((641, 361), 160, (160, 90)), ((100, 50), 320, (100, 50))],
)
def test_bounded_by_width_only(size, width, expected):
    body, got = make_thumbnail(Image.new("RGB", size, (200, 30, 30)), width)
    assert got == expected
    assert decoded(body) == ("JPEG", "RGB", expected)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((512, 512), (250, 250)),
        ((1000, 500), (250, 125)),
        ((300, 1200), (62, 250)),
        ((100, 50), (100, 50)),
    ],
    ids=["square", "landscape", "portrait", "small-is-not-enlarged"],
)
def test_fits_a_box(size, expected):
    body, got = make_thumbnail(Image.new("RGB", size, "white"), 250, 250)
    assert got == expected
    assert decoded(body) == ("JPEG", "RGB", expected)


def test_a_picture_with_alpha_becomes_rgb():
    body, got = make_thumbnail(Image.new("RGBA", (400, 300), (0, 0, 0, 0)), 200)
    assert got == (200, 150)
    assert decoded(body) == ("JPEG", "RGB", (200, 150))
