"""The CreateJob request of one part, filled in from the module's reviewed job template.

The template (terraform/modules/media-convert/mediaconvert_job.json, rendered by Terraform)
fixes every encoding setting; per part this only adds where to read and write, the frames to
keep of the chunk read (an input clip, when the part shares its chunk), the output size, and
the thumbnail group (first part only). The result is validated against botocore's
MediaConvert model, so a bad template or size fails here, named, instead of in MediaConvert.
"""

from __future__ import annotations

import copy
import functools
import math
from fractions import Fraction

import botocore.session
from botocore.validate import ParamValidator
from media_common import job_keys
from media_common.errors import JobSettingsError
from media_common.geometry import output_size
from media_common.manifest import Manifest, Part
from media_common.parts import mediaconvert_rate

VIDEO_GROUP = "Part"  # output group names in the template
THUMBNAIL_GROUP = "Thumbnail"
FRAME_CAPTURE_NAME = "frame"  # captures are <job>/thumbnail/frame.0000000.jpg, .0000001.jpg...


@functools.cache
def create_job_shape():
    model = botocore.session.get_session().get_service_model("mediaconvert")
    return model.operation_model("CreateJob").input_shape


def validate(request: dict) -> None:
    report = ParamValidator().validate(request, create_job_shape())
    if report.has_errors():
        raise JobSettingsError(
            f"the MediaConvert job settings are invalid: {report.generate_report()}"
        )


def build_job(
    template: dict,
    manifest: Manifest,
    part: Part,
    bucket: str,
    output_height: int,
    thumbnail_width: int,
) -> dict:
    """The CreateJob request encoding `part` (in `bucket`, the work bucket) to its encoded key;
    part 0 also captures the thumbnail frames into the job's thumbnail folder."""
    job = copy.deepcopy(template)
    settings = job["Settings"]
    groups = {group.get("Name"): group for group in settings["OutputGroups"]}
    if set(groups) != {VIDEO_GROUP, THUMBNAIL_GROUP} or len(settings["Inputs"]) != 1:
        raise JobSettingsError(
            f"the job template must have one input and the output groups {VIDEO_GROUP!r} and "
            f"{THUMBNAIL_GROUP!r}, it has {sorted(map(str, groups))}"
        )
    settings["Inputs"][0]["FileInput"] = f"s3://{bucket}/{part.source}"
    if clip := input_clipping(manifest, part):
        settings["Inputs"][0]["InputClippings"] = [clip]

    width, height = output_size(
        manifest.width,
        manifest.height,
        output_height,
        manifest.sample_aspect_ratio,
        manifest.rotation,
    )
    encoded = job_keys.encoded_key_for(part.key).removesuffix(".mp4")
    fill(groups[VIDEO_GROUP], f"s3://{bucket}/{encoded}", width, height)

    if part.index == 0:
        prefix = job_keys.thumbnail_prefix(job_keys.job_prefix_of(part.key))
        thumbnail_height = max(2, 2 * round(thumbnail_width * height / width / 2))
        output = fill(
            groups[THUMBNAIL_GROUP],
            f"s3://{bucket}/{prefix}{FRAME_CAPTURE_NAME}",
            thumbnail_width,
            thumbnail_height,
        )
        capture = output["VideoDescription"]["CodecSettings"]["FrameCaptureSettings"]
        # The last capture is the thumbnail: a part too short for all of them gets fewer.
        rate = capture["FramerateNumerator"] / capture["FramerateDenominator"]
        capture["MaxCaptures"] = max(
            1, min(capture["MaxCaptures"], math.ceil(part.duration * rate))
        )
    else:
        settings["OutputGroups"].remove(groups[THUMBNAIL_GROUP])

    job["UserMetadata"] = {
        **job.get("UserMetadata", {}),
        "jobId": manifest.job_id,
        "part": str(part.index),
    }
    validate(job)
    return job


def input_clipping(manifest: Manifest, part: Part) -> dict | None:
    """The input clip of a part that shares its chunk: its first and last frame (both kept) as
    timecodes of the chunk from 00:00:00:00 (the template's TimecodeSource ZEROBASED), or None.

    A constant-rate chunk is counted frame by frame, in timecode seconds of round(fps) frames
    (non-drop-frame, so 29.97 fps counts 30 a second). MediaConvert reads a variable-frame-rate
    input at its own constant rate (parts.mediaconvert_rate): the clip is then placed by time.
    """
    if part.skip == 0 and not any(
        other.source == part.source and other.index != part.index for other in manifest.parts
    ):
        return None
    if manifest.variable_frame_rate:
        base = mediaconvert_rate(Fraction(manifest.fps))
        first = round(part.offset * base)
        last = max(first, round((part.offset + part.duration) * base) - 1)
    else:
        base = round(Fraction(manifest.fps))
        first, last = part.skip, part.skip + part.frames - 1
    return {"StartTimecode": timecode(first, base), "EndTimecode": timecode(last, base)}


def timecode(frame: int, base: int) -> str:
    """HH:MM:SS:FF of a frame number counted from 0, at `base` frames per timecode second."""
    seconds, frames = divmod(frame, base)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def fill(group: dict, destination: str, width: int, height: int) -> dict:
    """Set an output group's destination (a base name) and its single output's size."""
    group["OutputGroupSettings"]["FileGroupSettings"]["Destination"] = destination
    (output,) = group["Outputs"]
    output["VideoDescription"].update(Width=width, Height=height)
    return output
