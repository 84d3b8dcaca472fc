"""Job ids, execution names and the keys of a job: deterministic and well-formed."""

from __future__ import annotations

import re

import pytest
from lambda_common import naming
from media_common import job_keys

NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def test_job_id_is_deterministic_and_short():
    job = job_keys.job_id("b", "videos/a.mp4", "abc")
    assert job == job_keys.job_id("b", "videos/a.mp4", '"abc"')  # HeadObject quotes the ETag
    assert re.fullmatch(r"[0-9a-f]{16}", job)
    assert (
        len({job, job_keys.job_id("b", "videos/a.mp4", "abd"), job_keys.job_id("c", "a", "x")}) == 3
    )


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        ("videos/My Clip (1).mp4", "videos-My-Clip-1-mp4"),
        ("동영상/여름 휴가.mov", "mov"),  # nothing readable in ASCII but the extension
        ("café/Ünïcode.mp4", "cafe-Unicode-mp4"),
        ("!!!", "object"),
    ],
)
def test_execution_name_is_a_readable_slug_and_the_job_hash(key, slug):
    name = naming.execution_name("bucket", key, "etag")
    assert name == f"{slug}-{job_keys.job_id('bucket', key, 'etag')}"
    assert NAME.fullmatch(name)


def test_long_keys_keep_their_end_within_80_characters():
    key = "a/" * 100 + "the-file-name.mp4"
    name = naming.execution_name("bucket", key, "etag")
    assert NAME.fullmatch(name)
    assert len(name) == 80
    assert "the-file-name-mp4" in name


def test_execution_name_depends_on_the_object_version():
    plain = naming.execution_name("b", "k.mp4", "e")
    assert plain == naming.execution_name("b", "k.mp4", "e")
    assert plain != naming.execution_name("b", "k.mp4", "e", version_id="v1")
    assert plain != naming.execution_name("b", "k.mp4", "f")
    assert naming.execution_name("b", "k.mp4", "e", "v1") != naming.execution_name(
        "b", "k.mp4", "e", "v2"
    )


def test_job_keys():
    prefix = job_keys.job_prefix("work/parts/", "abc")  # a prefix may contain "parts" itself
    part = job_keys.part_key(prefix, 3)
    assert part == "work/parts/abc/parts/00003.mp4"
    assert job_keys.encoded_key_for(part) == "work/parts/abc/encoded/00003.mp4"
    for key in (part, job_keys.encoded_key_for(part), job_keys.manifest_key(prefix)):
        assert job_keys.job_prefix_of(key) == prefix
    assert job_keys.job_prefix_of(job_keys.part_key("abc/", 0)) == "abc/"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("in/clip.mov", ("out/in/clip.mp4", "out/in/clip.jpg")),
        ("in/clip.v2.MP4", ("out/in/clip.v2.mp4", "out/in/clip.v2.jpg")),
        ("dir.d/noext", ("out/dir.d/noext.mp4", "out/dir.d/noext.jpg")),
    ],
)
def test_output_keys_drop_the_extension(key, expected):
    assert job_keys.output_keys("out/", key) == expected
