"""The thumbnail: THUMBNAIL_WIDTH wide, aspect kept, never enlarged, a JPEG."""

from __future__ import annotations

import pytest
from media_encode.thumbnail import make_thumbnail
from PIL import Image


@pytest.mark.parametrize(
    ("size", "width", "expected"),
    [((1280, 720), 320, (320, 180)), ((641, 361), 160, (160, 90)), ((100, 50), 320, (100, 50))],
)
def test_thumbnail_size(tmp_path, size, width, expected):
    Image.new("RGB", size, (200, 30, 30)).save(tmp_path / "frame.png")
    assert make_thumbnail(tmp_path / "frame.png", tmp_path / "t.jpg", width) == expected
    with Image.open(tmp_path / "t.jpg") as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", expected)


def test_thumbnail_of_a_frame_with_alpha(tmp_path):
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(tmp_path / "frame.png")
    assert make_thumbnail(tmp_path / "frame.png", tmp_path / "t.jpg", 200) == (200, 150)
