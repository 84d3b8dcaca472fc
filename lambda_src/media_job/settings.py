"""The CreateJob request of one part, filled in from the module's reviewed job template.

The template (terraform/modules/media-convert/mediaconvert_job.json, rendered by Terraform)
fixes every encoding setting; per part this only adds where to read and write, the output
size, and the thumbnail group (first part only). The result is validated against botocore's
MediaConvert model, so a bad template or size fails here, named, instead of in MediaConvert.
"""

from __future__ import annotations

import copy
import functools
import math

import botocore.session
from botocore.validate import ParamValidator
from media_common import job_keys
from media_common.errors import JobSettingsError
from media_common.geometry import output_size
from media_common.manifest import Manifest, Part

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
    settings["Inputs"][0]["FileInput"] = f"s3://{bucket}/{part.key}"

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


def fill(group: dict, destination: str, width: int, height: int) -> dict:
    """Set an output group's destination (a base name) and its single output's size."""
    group["OutputGroupSettings"]["FileGroupSettings"]["Destination"] = destination
    (output,) = group["Outputs"]
    output["VideoDescription"].update(Width=width, Height=height)
    return output
