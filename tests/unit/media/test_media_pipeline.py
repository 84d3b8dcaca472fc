"""split -> encode (each part) -> merge through the handlers, on mocked S3 with real ffmpeg.

The chain passes data the way the state machine does: the Map item is the split's part plus its
bucket, manifest and originalFileName; the Pass state collects the encoded part keys in order.
"""

from __future__ import annotations

import io
import json

import pytest
from media_cleanup.handler import lambda_handler as cleanup_handler
from media_common.errors import CorruptInputError, MergeVerificationError, SourceChangedError
from media_common.settings import EncodeConfig, SplitConfig
from media_encode.handler import encode
from media_encode.handler import lambda_handler as encode_handler
from media_merge.handler import lambda_handler as merge_handler
from media_split.handler import lambda_handler as split_handler
from media_split.handler import split
from media_testlib import OUTPUT_BUCKET, SOURCE_BUCKET, WORK_BUCKET, keys
from PIL import Image
from sample_media import measure


def upload(s3, path, key: str) -> dict:
    """Upload and return the execution input media_start would give the state machine."""
    s3.upload_file(str(path), SOURCE_BUCKET, key)
    head = s3.head_object(Bucket=SOURCE_BUCKET, Key=key)
    etag = head["ETag"].strip('"')
    return {"bucket": SOURCE_BUCKET, "key": key, "etag": etag, "size": head["ContentLength"]}


def split_and_encode(execution_input: dict, context) -> tuple[dict, list[dict]]:
    # The ASL's SplitVideoFile Parameters pass bucket, key and etag.
    fields = ("bucket", "key", "etag")
    split = split_handler({name: execution_input[name] for name in fields}, context)
    encoded = []
    for part in split["parts"]:
        item = {
            "bucket": split["bucket"],
            "part": part,
            "manifest": split["manifest"],
            "originalFileName": split["originalFileName"],
        }
        result = encode_handler(item, context)
        assert result["status"] == "SUCCEEDED"
        encoded.append(result["data"])
    return split, encoded


def merge_input(encoded: list[dict]) -> dict:
    return {
        "originalFileName": encoded[0]["originalFileName"],
        "bucket": encoded[0]["bucket"],
        "manifest": encoded[0]["manifest"],
        "encodedParts": [data["encodedPart"] for data in encoded],
    }


def convert(s3, context, path, key: str) -> tuple[dict, list[dict], dict]:
    split, encoded = split_and_encode(upload(s3, path, key), context)
    return split, encoded, merge_handler(merge_input(encoded), context)


def stored_chunks(s3, split: dict) -> list[str]:
    """The chunks the split stored (run with CLEANUP_INTERMEDIATE=false)."""
    return keys(s3, WORK_BUCKET, f"jobs/{split['jobId']}/parts/")


def video_parts(split: dict) -> list[dict]:
    """The Map items that are parts of the video (the audio item is last, when there is one)."""
    return [part for part in split["parts"] if not part.get("audio")]


def chunks_in_source(s3, split: dict) -> int:
    """How many chunks the encoders copied from the upload (read with the manifest kept)."""
    manifest = json.loads(s3.get_object(Bucket=WORK_BUCKET, Key=split["manifest"])["Body"].read())
    return len({tuple(part["byte_range"]) for part in manifest["parts"] if part["byte_range"]})


def download(s3, bucket: str, key: str, path):
    s3.download_file(bucket, key, str(path))
    return path


def assert_exact(source: dict, result: dict) -> None:
    """Same length within a frame, same frames at the same times, audio as long and in sync."""
    assert abs(result["duration"] - source["duration"]) <= source["frame"]
    assert result["frames"] == source["frames"]
    assert result["frame_times"] == pytest.approx(source["frame_times"], abs=1e-4)
    assert result["video_codec"] == "h264"
    if source["audio_codec"]:
        assert result["audio_codec"] == "aac"
        assert abs(result["audio_duration"] - source["audio_duration"]) <= source["frame"]
        assert result["audio_lead"] == pytest.approx(source["audio_lead"], abs=1e-3)
    else:
        assert result["audio_codec"] is None


def test_1080p_with_audio_is_converted_exactly(s3, context, media, monkeypatch, tmp_path):
    monkeypatch.setenv("OUTPUT_HEIGHT", "720")
    monkeypatch.setenv("THUMBNAIL_WIDTH", "320")
    split, encoded, merged = convert(s3, context, media / "hd.mp4", "in/My clip.mov")

    assert split["bucket"] == WORK_BUCKET
    assert split["originalFileName"] == "in/My clip.mov"
    assert split["manifest"] == f"jobs/{split['jobId']}/manifest.json"
    # An MP4: the encoders copy their chunks from the upload, and the audio is an item too.
    job = f"jobs/{split['jobId']}"
    assert split["parts"] == [
        *({"index": i, "key": f"{job}/parts/{i:05d}.mp4"} for i in range(4)),
        {"index": 4, "key": f"{job}/audio.m4a", "audio": True},
    ]
    assert [data["thumbnail"] for data in encoded] == ["converted/in/My clip.jpg"] + [None] * 4
    assert encoded[1]["encodedPart"] == f"{job}/encoded/00001.mp4"
    assert encoded[4]["encodedPart"] == f"{job}/audio.m4a"

    output = download(s3, OUTPUT_BUCKET, "converted/in/My clip.mp4", tmp_path / "out.mp4")
    source, result = measure(media / "hd.mp4"), measure(output)
    assert_exact(source, result)
    assert (result["width"], result["height"]) == (1280, 720)
    assert merged == {
        "output": {
            "bucket": OUTPUT_BUCKET,
            "key": "converted/in/My clip.mp4",
            "duration": pytest.approx(result["duration"], abs=1e-6),
            "width": 1280,
            "height": 720,
            "frames": source["frames"],
            "hasAudio": True,
        },
        "thumbnail": {"bucket": OUTPUT_BUCKET, "key": "converted/in/My clip.jpg"},
    }
    head = s3.head_object(Bucket=OUTPUT_BUCKET, Key="converted/in/My clip.mp4")
    assert head["ContentType"] == "video/mp4"

    thumbnail = s3.get_object(Bucket=OUTPUT_BUCKET, Key="converted/in/My clip.jpg")
    assert thumbnail["ContentType"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumbnail["Body"].read()))
    assert (image.format, image.size) == ("JPEG", (320, 180))
    assert keys(s3, WORK_BUCKET) == []  # CLEANUP_INTERMEDIATE defaults to true


@pytest.mark.parametrize(
    ("segment", "parts", "chunks"),
    [("10", 1, 1), ("3", 2, 2), ("1", 6, 3)],
    ids=["longer-than-the-clip", "between-keyframes", "shorter-than-the-gop"],
)
def test_segment_duration_gives_the_parts_whatever_the_keyframes(
    s3, context, media, monkeypatch, tmp_path, segment, parts, chunks
):
    """6 s, a keyframe every 2 s: at 3 s the part starts at the keyframe at 4 s (one in the
    segment); at 1 s, the parts at odd seconds are trimmed from the chunk of the one before."""
    monkeypatch.setenv("SEGMENT_DURATION", segment)
    monkeypatch.setenv("CLEANUP_INTERMEDIATE", "false")
    split, _, merged = convert(s3, context, media / "small.mp4", "small.mp4")
    assert len(video_parts(split)) == parts
    assert (len(stored_chunks(s3, split)), chunks_in_source(s3, split)) == (0, chunks)
    output = download(s3, OUTPUT_BUCKET, merged["output"]["key"], tmp_path / "out.mp4")
    assert_exact(measure(media / "small.mp4"), measure(output))


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("silent.mp4", (320, 180)),
        ("odd.mkv", (640, 360)),  # 641x361 at 30000/1001 fps with MP3 audio (encoded to AAC)
        ("one_keyframe.mp4", (320, 180)),  # one chunk, cut into parts nonetheless
        ("short.mp4", (320, 180)),  # 0.4 s: the thumbnail is the first frame
        ("rotated.mp4", (240, 320)),  # 320x240 shown rotated by 90 degrees
    ],
)
def test_inputs_are_converted_exactly(s3, context, media, monkeypatch, tmp_path, name, size):
    monkeypatch.setenv("SEGMENT_DURATION", "1")
    monkeypatch.setenv("CLEANUP_INTERMEDIATE", "false")
    split, _, merged = convert(s3, context, media / name, f"in/{name}")
    output = download(s3, OUTPUT_BUCKET, merged["output"]["key"], tmp_path / "out.mp4")
    source, result = measure(media / name), measure(output)
    assert_exact(source, result)
    assert (result["width"], result["height"]) == size
    assert merged["output"]["hasAudio"] is (source["audio_codec"] is not None)
    if name == "one_keyframe.mp4":  # 3 s at SegmentDuration 1
        assert (len(video_parts(split)), chunks_in_source(s3, split)) == (3, 1)
    if name == "odd.mkv":  # not an MP4: the split cuts the chunks (5 s, keyframe every 48 frames)
        assert len(stored_chunks(s3, split)) == 4 and split["parts"] == video_parts(split)
        assert f"jobs/{split['jobId']}/audio.m4a" in keys(s3, WORK_BUCKET)
    thumbnail = s3.get_object(Bucket=OUTPUT_BUCKET, Key=merged["thumbnail"]["key"])["Body"]
    image = Image.open(io.BytesIO(thumbnail.read()))
    assert image.width == 160
    assert image.height == round(160 * size[1] / size[0])


def test_encode_and_merge_find_the_manifest_without_being_told(s3, context, media):
    """The seed ASL passes only bucket + part to the encode and no manifest to the merge."""
    upload(s3, media / "silent.mp4", "a.mp4")
    split = split_handler({"bucket": SOURCE_BUCKET, "key": "a.mp4"}, context)
    encoded = [
        encode_handler({"bucket": split["bucket"], "part": part}, context)["data"]
        for part in split["parts"]
    ]
    assert encoded[0]["manifest"] == split["manifest"]
    assert encoded[0]["originalFileName"] == "a.mp4"
    merge = merge_input(encoded)
    del merge["manifest"]
    assert merge_handler(merge, context)["output"]["key"] == "converted/a.mp4"


def test_cleanup_off_keeps_the_work_files(s3, context, media, monkeypatch):
    monkeypatch.setenv("CLEANUP_INTERMEDIATE", "false")
    split, _, _ = convert(s3, context, media / "silent.mp4", "a.mp4")
    work = keys(s3, WORK_BUCKET)
    prefix = f"jobs/{split['jobId']}/"
    assert f"{prefix}manifest.json" in work
    assert f"{prefix}encoded/00000.mp4" in work
    assert all(key.startswith(prefix) for key in work)


def test_a_merge_that_does_not_match_the_source_publishes_nothing(s3, context, media):
    execution_input = upload(s3, media / "small.mp4", "a.mp4")
    split, encoded = split_and_encode(execution_input, context)
    manifest = json.loads(s3.get_object(Bucket=WORK_BUCKET, Key=split["manifest"])["Body"].read())
    manifest["frames"] += 1
    s3.put_object(Bucket=WORK_BUCKET, Key=split["manifest"], Body=json.dumps(manifest))
    with pytest.raises(MergeVerificationError, match=r"has 180 frames, the source 181"):
        merge_handler(merge_input(encoded), context)
    assert keys(s3, OUTPUT_BUCKET, "converted/a.mp4") == []

    # encoded: the 3 parts, then the audio item
    with pytest.raises(MergeVerificationError, match="got 2 encoded parts for 3 split parts"):
        merge_handler(merge_input([*encoded[:2], encoded[-1]]), context)
    with pytest.raises(MergeVerificationError, match=r"last item gave .*/00002.mp4, not the audio"):
        merge_handler(merge_input(encoded[:3]), context)

    # The state machine's Catch then cleans up after the job.
    state = {"source": execution_input, "error": {"Error": "MergeVerificationError"}}
    assert cleanup_handler(state, context)["deleted"] > 0
    assert keys(s3, WORK_BUCKET) == []


def test_an_mp4_is_split_from_its_index_alone(s3, media, tmp_path):
    """The split reads the index (in the first and last blocks, fetched side by side), not the
    1080p upload; it writes nothing to the work bucket but the manifest."""
    execution_input = upload(s3, media / "hd.mp4", "a.mp4")
    read: list[int] = []
    s3.meta.events.register(
        "after-call.s3.GetObject", lambda parsed, **_: read.append(parsed["ContentLength"])
    )
    event = {name: execution_input[name] for name in ("bucket", "key")}
    job = split(event, SplitConfig.from_env(), s3, tmp_path)
    assert len(read) == 2 and sum(read) < execution_input["size"] / 8
    assert keys(s3, WORK_BUCKET) == [job["manifest"]]


def test_the_mediaconvert_backend_still_gets_chunks_cut_by_the_split(
    s3, context, media, monkeypatch
):
    """MediaConvert jobs read the parts from the work bucket: the split cuts them, and extracts
    the audio, as for any non-MP4 upload."""
    monkeypatch.setenv("TRANSCODER", "mediaconvert")
    upload(s3, media / "small.mp4", "a.mp4")
    split = split_handler({"bucket": SOURCE_BUCKET, "key": "a.mp4"}, context)
    assert split["parts"] == video_parts(split)
    job = f"jobs/{split['jobId']}/"
    assert keys(s3, WORK_BUCKET) == [
        f"{job}audio.m4a",
        f"{job}manifest.json",
        *(f"{job}parts/{i:05d}.mp4" for i in range(3)),
    ]


@pytest.mark.parametrize("item", ["part", "audio"])
def test_an_upload_replaced_during_its_conversion_fails_as_changed(s3, context, media, item):
    """The encoders read the upload the split planned from (If-Match its ETag): a newer upload
    of the key, which has its own execution, fails this one by name instead of mixing both."""
    execution_input = upload(s3, media / "small.mp4", "a.mp4")
    split = split_handler({name: execution_input[name] for name in ("bucket", "key")}, context)
    s3.upload_file(str(media / "silent.mp4"), SOURCE_BUCKET, "a.mp4")
    part = split["parts"][-1 if item == "audio" else 0]
    event = {"bucket": split["bucket"], "part": part, "manifest": split["manifest"]}
    with pytest.raises(SourceChangedError, match=r"s3://uploads/a\.mp4 was replaced or deleted"):
        encode_handler(event, context)


def test_a_chunk_that_cannot_be_copied_from_the_upload_fails_as_corrupt(
    s3, context, media, tmp_path
):
    """Without the index (a manifest whose ranges miss it), ffmpeg cannot read the copy: the
    encoder fails by name, and deletes its partial copy."""
    execution_input = upload(s3, media / "small.mp4", "a.mp4")
    split = split_handler({name: execution_input[name] for name in ("bucket", "key")}, context)
    manifest = json.loads(s3.get_object(Bucket=WORK_BUCKET, Key=split["manifest"])["Body"].read())
    manifest["source_index"] = []
    s3.put_object(Bucket=WORK_BUCKET, Key=split["manifest"], Body=json.dumps(manifest))
    event = {"bucket": split["bucket"], "part": split["parts"][1], "manifest": split["manifest"]}
    with pytest.raises(CorruptInputError, match=r"part 1 of s3://uploads/a\.mp4 could not be read"):
        encode(event, EncodeConfig.from_env(), s3, tmp_path)
    assert list(tmp_path.iterdir()) == []
