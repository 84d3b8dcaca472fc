"""AWS Elemental MediaConvert on the local AWS, run by ffmpeg, and Step Functions' optimised
MediaConvert integration (`arn:aws:states:::mediaconvert:createJob[.sync]`).

moto 5.2.1 has no MediaConvert at all, and its Step Functions executor hands `mediaconvert` tasks
to a placeholder that only knows `.waitForTaskToken`. This module serves the REST API calls
DescribeEndpoints, CreateJob, GetJob and CancelJob (anything else answers
UnsupportedByLocalAws), and runs each job in the background: the input is read from and the
outputs written to the local S3 through its API, as MediaConvert does with the job's role.

A CreateJob request is validated against botocore's MediaConvert model (as AWS validates it),
then against the subset of settings implemented here (see SUPPORTED): any other setting is
refused with BadRequestException naming it, never silently ignored. Implemented:

* one S3 input (VideoSelector.Rotate AUTO/DEGREE_0, default audio selectors, timecodes, one
  InputClipping of a video-only job: start and end frame both kept, non-drop-frame timecodes
  counted from the input's first frame, ZEROBASED);
* FILE_GROUP_SETTINGS output groups writing to S3 (destination prefix or base name,
  NameModifier, Extension), as MediaConvert names its files;
* MP4 outputs with H.264 video (Width/Height with ScalingBehavior STRETCH_TO_OUTPUT, or DEFAULT,
  which letterboxes; QVBR, VBR or CBR rate control; profile; pixel aspect ratio) and AAC audio;
* FRAME_CAPTURE outputs (RAW container): JPEGs at the capture rate, numbered .0000000.jpg on.

Frame rates as MediaConvert treats them (User Guide, "Using variable frame rate inputs"): a
constant-rate input keeps its rate, every frame and its timestamp (FramerateControl
INITIALIZE_FROM_SOURCE, the only value implemented); a variable-frame-rate input (frame
intervals differing by more than a tick of its time base) becomes constant-rate at the average
of its rates rounded to the nearest of 1, 5, 10, 15, 24, 30, 50 or 60 fps, frames dropped or
repeated to fit (as Drop duplicate does), and its clips are counted in frames of that rate.

Divergences: x264 stands in for MediaConvert's encoder (QVBR quality level q is x264's CRF
38 - 2q, capped at MaxBitrate; MULTI_PASS_HQ is one slow pass); jobs run on this machine, as
many at once as it has cores. A failed job ends in ERROR with error
code 1010 (the input cannot be read or probed) or 1999 (transcoding or upload failed) and the
tail of ffmpeg's messages.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from werkzeug.wrappers import Request, Response

from . import ACCOUNT, REGION, authorization
from .moto_internals import replace

log = logging.getLogger("localaws.mediaconvert")

API_PREFIX = "/2017-08-29/"
SYNC_POLL_SECONDS = 0.5
ERROR_INPUT = 1010  # MediaConvert: "Unable to open input file"
ERROR_TRANSCODE = 1999
STDERR_TAIL_LINES = 6
RUNNING = ("SUBMITTED", "PROGRESSING")
PRESETS = {"SINGLE_PASS": "veryfast", "SINGLE_PASS_HQ": "medium", "MULTI_PASS_HQ": "slow"}
PROFILES = {"BASELINE": "baseline", "MAIN": "main", "HIGH": "high"}
CHANNELS = {"CODING_MODE_1_0": 1, "CODING_MODE_2_0": 2}
CONTENT_TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg"}
VFR_RATES = (1, 5, 10, 15, 24, 30, 50, 60)  # "Using variable frame rate inputs"
TIMECODE = re.compile(r"(\d\d):([0-5]\d):([0-5]\d):(\d\d)")  # HH:MM:SS:FF, non-drop-frame


class BadRequest(Exception):
    """Answered as MediaConvert's BadRequestException."""


class NotFound(Exception):
    """Answered as MediaConvert's NotFoundException."""


# --- what is implemented ---------------------------------------------------------------------

ANY = object()  # any value the model accepts


@dataclass(frozen=True)
class MapOf:
    """A map whose values all follow `spec` (keys are free, e.g. audio selector names)."""

    spec: Any


H264_SETTINGS = {
    "RateControlMode": {"QVBR", "VBR", "CBR"},
    "QvbrSettings": {"QvbrQualityLevel": ANY},
    "MaxBitrate": ANY,
    "Bitrate": ANY,
    "QualityTuningLevel": set(PRESETS),
    "CodecProfile": set(PROFILES),
    "FramerateControl": {"INITIALIZE_FROM_SOURCE"},
    "ParControl": {"INITIALIZE_FROM_SOURCE", "SPECIFIED"},
    "ParNumerator": ANY,
    "ParDenominator": ANY,
    "SceneChangeDetect": {"DISABLED", "ENABLED", "TRANSITION_DETECTION"},
}
VIDEO_DESCRIPTION = {
    "Width": ANY,
    "Height": ANY,
    "ScalingBehavior": {"DEFAULT", "STRETCH_TO_OUTPUT"},
    "CodecSettings": {
        "Codec": {"H_264", "FRAME_CAPTURE"},
        "H264Settings": H264_SETTINGS,
        "FrameCaptureSettings": {
            "FramerateNumerator": ANY,
            "FramerateDenominator": ANY,
            "MaxCaptures": ANY,
            "Quality": ANY,
        },
    },
}
AUDIO_DESCRIPTION = {
    "AudioSourceName": ANY,
    "CodecSettings": {
        "Codec": {"AAC"},
        "AacSettings": {"Bitrate": ANY, "SampleRate": ANY, "CodingMode": set(CHANNELS)},
    },
}
SUPPORTED = {
    "Role": ANY,
    "Settings": {
        "TimecodeConfig": {"Source": {"ZEROBASED", "EMBEDDED"}},
        "Inputs": [
            {
                "FileInput": ANY,
                "TimecodeSource": {"ZEROBASED", "EMBEDDED"},
                "VideoSelector": {"Rotate": {"AUTO", "DEGREE_0"}},
                "InputClippings": [{"StartTimecode": ANY, "EndTimecode": ANY}],
                "AudioSelectors": MapOf({"DefaultSelection": {"DEFAULT", "NOT_DEFAULT"}}),
            }
        ],
        "OutputGroups": [
            {
                "Name": ANY,
                "OutputGroupSettings": {
                    "Type": {"FILE_GROUP_SETTINGS"},
                    "FileGroupSettings": {"Destination": ANY},
                },
                "Outputs": [
                    {
                        "NameModifier": ANY,
                        "Extension": ANY,
                        "ContainerSettings": {
                            "Container": {"MP4", "RAW"},
                            "Mp4Settings": {"MoovPlacement": {"PROGRESSIVE_DOWNLOAD", "NORMAL"}},
                        },
                        "VideoDescription": VIDEO_DESCRIPTION,
                        "AudioDescriptions": [AUDIO_DESCRIPTION],
                    }
                ],
            }
        ],
    },
    "UserMetadata": ANY,
    "Tags": ANY,
    "StatusUpdateInterval": ANY,
    "Priority": ANY,
    "ClientRequestToken": ANY,
    "Queue": ANY,  # checked in check_request: only the Default queue exists here
}


def unsupported(value: Any, spec: Any, path: str = "") -> list[str]:
    """Where `value` uses something outside `spec` (paths such as Settings.Inputs[0].Crop)."""
    if spec is ANY:
        return []
    if isinstance(spec, set):
        return [] if value in spec else [f"{path}={value} (implemented: {sorted(spec)})"]
    if isinstance(spec, list):
        return [
            p for i, item in enumerate(value) for p in unsupported(item, spec[0], f"{path}[{i}]")
        ]
    if isinstance(spec, MapOf):
        return [p for k, item in value.items() for p in unsupported(item, spec.spec, f"{path}.{k}")]
    found = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        found += unsupported(item, spec[key], where) if key in spec else [where]
    return found


@dataclass(frozen=True)
class ServiceModel:
    """botocore's MediaConvert model: request validation and the JSON wire names."""

    model: Any = field(
        default_factory=lambda: botocore.session.get_session().get_service_model("mediaconvert")
    )

    def shape(self, operation: str, output: bool = False):
        operation_model = self.model.operation_model(operation)
        return operation_model.output_shape if output else operation_model.input_shape


MODEL = ServiceModel()


def from_wire(value: Any, shape) -> Any:
    """A rest-json body (camelCase locationNames) as botocore member names (PascalCase)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        wire_names = {m.serialization.get("name", n): (n, m) for n, m in shape.members.items()}
        return {
            wire_names[k][0] if k in wire_names else k: from_wire(v, wire_names[k][1])
            if k in wire_names
            else v
            for k, v in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [from_wire(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: from_wire(v, shape.value) for k, v in value.items()}
    return value


def to_wire(value: Any, shape) -> Any:
    """Member names back to the wire names, timestamps as epoch seconds (the model's format)."""
    if shape.type_name == "structure":
        return {
            shape.members[k].serialization.get("name", k): to_wire(v, shape.members[k])
            for k, v in value.items()
            if v is not None
        }
    if shape.type_name == "list":
        return [to_wire(item, shape.member) for item in value]
    if shape.type_name == "map":
        return {k: to_wire(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return value.timestamp()
    return value


def check_request(request: dict) -> None:
    report = ParamValidator().validate(request, MODEL.shape("CreateJob"))
    if report.has_errors():
        raise BadRequest(report.generate_report())
    if "JobTemplate" in request:
        raise BadRequest("JobTemplate: job templates are not implemented by the local AWS")
    problems = unsupported(request, SUPPORTED)
    if problems:
        raise BadRequest(
            "settings not implemented by the local MediaConvert: " + "; ".join(problems)
        )
    queue = request.get("Queue", "Default")
    if queue.rsplit("/", 1)[-1] != "Default":
        raise BadRequest(f"Queue {queue} does not exist (the local AWS has the Default queue)")
    settings = request["Settings"]
    if len(settings.get("Inputs", [])) != 1:
        raise BadRequest("Settings.Inputs: the local MediaConvert takes exactly one input")
    if not settings["Inputs"][0].get("FileInput", "").startswith("s3://"):
        raise BadRequest("Settings.Inputs[0].FileInput must be an s3:// URL")
    for g, group in enumerate(settings.get("OutputGroups") or []):
        for o, output in enumerate(group.get("Outputs", [])):
            check_output(output, f"Settings.OutputGroups[{g}].Outputs[{o}]")
    check_clippings(settings)
    if not settings.get("OutputGroups"):
        raise BadRequest("Settings.OutputGroups: a job needs at least one output group")


def check_clippings(settings: dict) -> None:
    """The clipping implemented: one clip of a job without audio outputs, timecodes HH:MM:SS:FF
    (drop-frame HH:MM:SS;FF is not), the end not before the start."""
    clips = settings["Inputs"][0].get("InputClippings") or []
    if not clips:
        return
    path = "Settings.Inputs[0].InputClippings"
    if len(clips) > 1:
        raise BadRequest(f"{path}: the local MediaConvert implements one input clip")
    if any(
        output.get("AudioDescriptions")
        for group in settings["OutputGroups"]
        for output in group.get("Outputs", [])
    ):
        raise BadRequest(f"{path}: clipping a job with audio outputs is not implemented locally")
    (clip,) = clips
    for name in ("StartTimecode", "EndTimecode"):
        if name in clip and not TIMECODE.fullmatch(clip[name]):
            raise BadRequest(f"{path}[0].{name}={clip[name]} is not a timecode HH:MM:SS:FF")
    if not clip.get("StartTimecode") and not clip.get("EndTimecode"):
        raise BadRequest(f"{path}[0]: give StartTimecode or EndTimecode, or both")


def frame_number(timecode: str, base: int) -> int:
    """The frame a non-drop-frame timecode names, counting `base` frames a timecode second."""
    hours, minutes, seconds, frames = (int(x) for x in TIMECODE.fullmatch(timecode).groups())
    return ((hours * 60 + minutes) * 60 + seconds) * base + frames


@dataclass(frozen=True)
class Timeline:
    """How the input's frames reach every output: retimed to a constant rate if the input's
    is variable, then clipped (first and last frame, both kept)."""

    rate: Fraction  # the input's, or the constant one it is retimed to
    retimed: bool = False
    clip: tuple[int, int | None] | None = None

    @classmethod
    def of(cls, frame_times: list[int], time_base: Fraction, job_input: dict) -> Timeline:
        """From the input's presentation times (sorted, in `time_base` ticks) and its settings."""
        steps = [b - a for a, b in pairwise(frame_times)]
        span = (frame_times[-1] - frame_times[0] + (min(steps) if steps else 1)) * time_base
        average = Fraction(len(frame_times)) / span
        retimed = bool(steps) and max(steps) - min(steps) > 1
        rate = Fraction(min(VFR_RATES, key=lambda r: abs(r - average))) if retimed else average
        clips = job_input.get("InputClippings") or []
        clip = None
        if clips:
            base = round(rate)
            start, end = clips[0].get("StartTimecode"), clips[0].get("EndTimecode")
            clip = (
                frame_number(start, base) if start else 0,
                frame_number(end, base) if end else None,
            )
        return cls(rate, retimed, clip)

    def filters(self) -> list[str]:
        chain = [f"fps={self.rate}"] if self.retimed else []
        if self.clip:
            first, last = self.clip
            end = f":end_frame={last + 1}" if last is not None else ""
            chain += [f"trim=start_frame={first}{end}", "setpts=PTS-STARTPTS"]
        return chain


def check_output(output: dict, path: str) -> None:
    """Combinations MediaConvert rejects at CreateJob."""
    codec_settings = output.get("VideoDescription", {}).get("CodecSettings", {})
    codec = codec_settings.get("Codec")
    container = output.get("ContainerSettings", {}).get("Container")
    if codec == "FRAME_CAPTURE":
        if container != "RAW" or output.get("AudioDescriptions"):
            raise BadRequest(f"{path}: frame capture needs the RAW container and no audio")
        if "FrameCaptureSettings" not in codec_settings:
            raise BadRequest(f"{path}: FrameCaptureSettings is required for FRAME_CAPTURE")
        return
    if codec != "H_264" or container != "MP4":
        raise BadRequest(f"{path}: implemented outputs are MP4 with H_264 or RAW frame capture")
    h264 = codec_settings.get("H264Settings", {})
    mode = h264.get("RateControlMode", "CBR")
    needed = {"QVBR": "MaxBitrate", "VBR": "Bitrate", "CBR": "Bitrate"}[mode]
    if needed not in h264:
        raise BadRequest(f"{path}: H264Settings.{needed} is required with {mode} rate control")


# --- the ffmpeg command of an output ----------------------------------------------------------


def scale_filters(video: dict) -> list[str]:
    width, height = video.get("Width"), video.get("Height")
    if width and height:
        if video.get("ScalingBehavior", "DEFAULT") == "STRETCH_TO_OUTPUT":
            return [f"scale={width}:{height}"]
        # DEFAULT letterboxes (or pillarboxes) the picture into the output frame.
        return [
            f"scale={width}:{height}:force_original_aspect_ratio=decrease",
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2",
        ]
    if width or height:  # one side given: the other follows the aspect ratio
        return [f"scale={width or -2}:{height or -2}"]
    return []


def rate_arguments(h264: dict) -> list[str]:
    mode = h264.get("RateControlMode", "CBR")
    if mode == "QVBR":
        level = h264.get("QvbrSettings", {}).get("QvbrQualityLevel", 7)
        cap = h264["MaxBitrate"]
        return ["-crf", str(38 - 2 * level), "-maxrate", str(cap), "-bufsize", str(2 * cap)]
    bitrate = h264["Bitrate"]
    if mode == "CBR":
        return [
            "-b:v",
            str(bitrate),
            "-minrate",
            str(bitrate),
            "-maxrate",
            str(bitrate),
            "-bufsize",
            str(bitrate),
        ]
    cap = h264.get("MaxBitrate")
    return ["-b:v", str(bitrate)] + (
        ["-maxrate", str(cap), "-bufsize", str(2 * cap)] if cap else []
    )


def video_command(
    source: Path, output: dict, target: Path, rotate: bool, timeline: Timeline | None = None
) -> list[str]:
    """ffmpeg arguments (after the executable) of an MP4 H.264 (+ AAC) output."""
    video = output.get("VideoDescription", {})
    h264 = video.get("CodecSettings", {}).get("H264Settings", {})
    filters = [*(timeline.filters() if timeline else []), *scale_filters(video)]
    if h264.get("ParControl") == "SPECIFIED":
        filters.append(f"setsar={h264.get('ParNumerator', 1)}/{h264.get('ParDenominator', 1)}")
    args = [*input_arguments(source, rotate), "-map", "0:v:0"]
    if filters:
        args += ["-vf", ",".join(filters)]
    args += [
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        PRESETS[h264.get("QualityTuningLevel", "SINGLE_PASS")],
    ]
    if "CodecProfile" in h264:
        args += ["-profile:v", PROFILES[h264["CodecProfile"]]]
    if h264.get("SceneChangeDetect") == "DISABLED":
        args += ["-sc_threshold", "0"]
    if timeline and timeline.retimed:  # constant-rate frames, the last one lasting as long
        timing = ["-r", str(timeline.rate)]
    else:  # every frame of a constant-rate input at its own time, as it comes
        timing = ["-fps_mode", "passthrough", "-enc_time_base", "demux"]
    args += [*rate_arguments(h264), *timing]
    audio = output.get("AudioDescriptions") or []
    for index, description in enumerate(audio):
        aac = description["CodecSettings"].get("AacSettings", {})
        args += ["-map", "0:a:0", f"-c:a:{index}", "aac"]
        if "Bitrate" in aac:
            args += [f"-b:a:{index}", str(aac["Bitrate"])]
        if "SampleRate" in aac:
            args += [f"-ar:a:{index}", str(aac["SampleRate"])]
        if "CodingMode" in aac:
            args += [f"-ac:a:{index}", str(CHANNELS[aac["CodingMode"]])]
    if not audio:
        args.append("-an")
    mp4 = output.get("ContainerSettings", {}).get("Mp4Settings", {})
    if mp4.get("MoovPlacement", "PROGRESSIVE_DOWNLOAD") == "PROGRESSIVE_DOWNLOAD":
        args += ["-movflags", "+faststart"]
    return [*args, "-f", "mp4", str(target)]


def frame_capture_command(
    source: Path, output: dict, pattern: Path, rotate: bool, timeline: Timeline | None = None
) -> list[str]:
    """ffmpeg arguments of a frame-capture output: JPEGs numbered from 0 in `pattern`."""
    video = output["VideoDescription"]
    capture = video["CodecSettings"]["FrameCaptureSettings"]
    rate = f"{capture.get('FramerateNumerator', 1)}/{capture.get('FramerateDenominator', 1)}"
    filters = [
        *(timeline.filters() if timeline else []),
        f"fps={rate}",
        *scale_filters(video),
        "setsar=1",
    ]
    # JPEG quality 1-100 onto ffmpeg's qscale 31 (worst) .. 2 (best).
    qscale = 2 + round((100 - capture.get("Quality", 80)) * 29 / 99)
    return [
        *input_arguments(source, rotate),
        "-map",
        "0:v:0",
        "-vf",
        ",".join(filters),
        "-frames:v",
        str(capture.get("MaxCaptures", 10_000_000)),
        "-q:v",
        str(qscale),
        "-start_number",
        "0",
        "-f",
        "image2",
        str(pattern),
    ]


def input_arguments(source: Path, rotate: bool) -> list[str]:
    return [
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-y",
        *([] if rotate else ["-noautorotate"]),
        "-i",
        str(source),
    ]


def parse_s3_url(url: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


def output_key(destination: str, input_key: str, output: dict, default_extension: str) -> tuple:
    """(bucket, key without extension) as MediaConvert names a file output: a destination
    ending in "/" takes the input's base name, another ends with the base name to use; the
    NameModifier follows it."""
    bucket, prefix = parse_s3_url(destination)
    if prefix.endswith("/") or not prefix:
        prefix += PurePosixPath(input_key).stem
    extension = output.get("Extension") or default_extension
    return bucket, prefix + output.get("NameModifier", ""), extension


# --- jobs -------------------------------------------------------------------------------------


def now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def tail(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " | ".join(lines[-STDERR_TAIL_LINES:]) or "no error output"


class JobFailed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class LocalMediaConvert:
    """The jobs of the local AWS and the workers running them."""

    def __init__(self, endpoint: str, workers: int | None = None) -> None:
        self.endpoint = endpoint
        self.jobs: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # ClientRequestToken -> job id (CreateJob idempotency)
        self.processes: dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.executor = ThreadPoolExecutor(workers or os.cpu_count() or 2, "mediaconvert")
        bin_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.ffmpeg = shutil.which("ffmpeg", path=bin_path)
        self.ffprobe = shutil.which("ffprobe", path=bin_path)

    def s3(self, role_arn: str | None):
        """MediaConvert reads inputs and writes outputs with a session of the job's role."""
        return authorization.session_client(
            "s3",
            self.endpoint,
            REGION,
            role_arn,
            "MediaConvert",
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_job(self, request: dict, region: str) -> dict:
        check_request(request)
        token = request.get("ClientRequestToken")
        with self.lock:
            if token in self.tokens:
                return copy.deepcopy(self.jobs[self.tokens[token]])
            job_id = f"{int(time.time() * 1000)}-" + "".join(
                random.choices(string.ascii_lowercase + string.digits, k=6)
            )
            created = now()
            job = {
                **{k: v for k, v in request.items() if k not in ("ClientRequestToken", "Tags")},
                "Id": job_id,
                "Arn": f"arn:aws:mediaconvert:{region}:{ACCOUNT}:jobs/{job_id}",
                "Queue": f"arn:aws:mediaconvert:{region}:{ACCOUNT}:queues/Default",
                "Status": "SUBMITTED",
                "CreatedAt": created,
                "Timing": {"SubmitTime": created},
                "UserMetadata": request.get("UserMetadata", {}),
                "RetryCount": 0,
            }
            self.jobs[job_id] = job
            if token:
                self.tokens[token] = job_id
            submitted = copy.deepcopy(job)  # the response shows the job as it was submitted
        self.executor.submit(self.run, job_id)
        return submitted

    def get_job(self, job_id: str) -> dict:
        with self.lock:
            if job_id not in self.jobs:
                raise NotFound(f"The job {job_id} does not exist")
            return copy.deepcopy(self.jobs[job_id])

    def cancel_job(self, job_id: str) -> None:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise NotFound(f"The job {job_id} does not exist")
            if job["Status"] not in RUNNING:
                raise BadRequest(f"The job {job_id} is {job['Status']} and cannot be canceled")
            job["Status"] = "CANCELED"
            job["Timing"]["FinishTime"] = now()
            process = self.processes.get(job_id)
        if process is not None:
            process.kill()

    def _update(self, job_id: str, **fields) -> bool:
        """Set fields of a job still running; False once it was canceled."""
        with self.lock:
            job = self.jobs[job_id]
            if job["Status"] not in RUNNING:
                return False
            job.update(fields)
            return True

    def run(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if not self._update(
            job_id, Status="PROGRESSING", CurrentPhase="PROBING", JobPercentComplete=0
        ):
            return
        job["Timing"]["StartTime"] = now()
        try:
            with tempfile.TemporaryDirectory(prefix="mediaconvert-") as tmp:
                details = self.transcode(job_id, job["Settings"], Path(tmp))
        except JobFailed as failure:
            log.info("MediaConvert job %s failed: %s", job_id, failure.message)
            if self._update(
                job_id, Status="ERROR", ErrorCode=failure.code, ErrorMessage=failure.message
            ):
                job["Timing"]["FinishTime"] = now()
            return
        except Exception as exc:  # a bug here must still end the job, as an error
            log.exception("MediaConvert job %s crashed", job_id)
            if self._update(
                job_id,
                Status="ERROR",
                ErrorCode=ERROR_TRANSCODE,
                ErrorMessage=f"internal error of the local MediaConvert: {exc}",
            ):
                job["Timing"]["FinishTime"] = now()
            return
        if self._update(
            job_id, Status="COMPLETE", JobPercentComplete=100, OutputGroupDetails=details
        ):
            job.pop("CurrentPhase", None)
            job["Timing"]["FinishTime"] = now()

    def transcode(self, job_id: str, settings: dict, workdir: Path) -> list[dict]:
        s3 = self.s3(self.jobs[job_id].get("Role"))
        job_input = settings["Inputs"][0]
        url = job_input["FileInput"]
        bucket, key = parse_s3_url(url)
        source = workdir / "input"
        try:
            s3.download_file(bucket, key, str(source))
        except ClientError as exc:
            error = exc.response["Error"]
            raise JobFailed(
                ERROR_INPUT,
                f"Unable to open input file [{url}]: [Failed probe/open: "
                f"[{error.get('Code')}: {error.get('Message')}]]",
            ) from exc
        if not any(s.get("codec_type") == "video" for s in self.probe(source)["streams"]):
            raise JobFailed(
                ERROR_INPUT,
                f"Unable to open input file [{url}]: [Failed probe/open: "
                "[No parser found for container or no video stream]]",
            )
        rotate = job_input.get("VideoSelector", {}).get("Rotate", "AUTO") == "AUTO"
        timeline = Timeline.of(*self.frame_times(source), job_input)
        self._update(job_id, CurrentPhase="TRANSCODING")
        uploads, details = [], []
        for group in settings["OutputGroups"]:
            destination = group["OutputGroupSettings"]["FileGroupSettings"]["Destination"]
            group_details = []
            for index, output in enumerate(group["Outputs"]):
                frame_capture = output["VideoDescription"]["CodecSettings"]["Codec"] == (
                    "FRAME_CAPTURE"
                )
                out_bucket, base, extension = output_key(
                    destination, key, output, "jpg" if frame_capture else "mp4"
                )
                folder = workdir / f"out-{len(uploads)}-{index}"
                folder.mkdir()
                name = PurePosixPath(base).name
                if frame_capture:
                    pattern = folder / f"{name}.%07d.{extension}"
                    self.ffmpeg_run(
                        job_id, frame_capture_command(source, output, pattern, rotate, timeline)
                    )
                    files = sorted(folder.iterdir())
                else:
                    target = folder / f"{name}.{extension}"
                    self.ffmpeg_run(job_id, video_command(source, output, target, rotate, timeline))
                    files = [target]
                prefix = base.rpartition("/")[0]
                for path in files:
                    uploads.append((path, out_bucket, f"{prefix}/{path.name}".lstrip("/")))
                group_details.append(self.output_detail(files[-1], frame_capture))
            details.append({"OutputDetails": group_details})
        self._update(job_id, CurrentPhase="UPLOADING")
        for path, out_bucket, out_key in uploads:
            content_type = CONTENT_TYPES.get(path.suffix.lstrip("."), "binary/octet-stream")
            try:
                s3.upload_file(
                    str(path), out_bucket, out_key, ExtraArgs={"ContentType": content_type}
                )
            except ClientError as exc:
                raise JobFailed(
                    ERROR_TRANSCODE,
                    f"Unable to write to output file [s3://{out_bucket}/"
                    f"{out_key}]: [{exc.response['Error'].get('Message')}]",
                ) from exc
        return details

    def ffmpeg_run(self, job_id: str, args: list[str]) -> None:
        process = subprocess.Popen(
            [self.ffmpeg, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            errors="replace",
        )
        with self.lock:
            self.processes[job_id] = process
        try:
            _, stderr = process.communicate()
        finally:
            with self.lock:
                self.processes.pop(job_id, None)
        if process.returncode != 0:
            raise JobFailed(ERROR_TRANSCODE, f"Transcoding failed: {tail(stderr)}")

    def probe(self, path: Path) -> dict:
        """ffprobe's streams and format of `path` (no streams if it is not media)."""
        proc = subprocess.run(
            [
                self.ffprobe,
                "-v",
                "error",
                "-of",
                "json",
                "-show_streams",
                "-show_format",
                str(path),
            ],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
        return json.loads(proc.stdout) if proc.returncode == 0 else {"streams": []}

    def frame_times(self, path: Path) -> tuple[list[int], Fraction]:
        """The video's presentation times (sorted, in ticks) and its time base."""
        proc = subprocess.run(
            [
                *(self.ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries"),
                *("stream=time_base:packet=pts", "-of", "json", str(path)),
            ],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
        data = json.loads(proc.stdout) if proc.returncode == 0 else {}
        times = sorted(p["pts"] for p in data.get("packets", []) if p.get("pts") is not None)
        if not times:
            raise JobFailed(ERROR_INPUT, "Unable to read the frames of the input's video")
        return times, Fraction(data["streams"][0]["time_base"])

    def output_detail(self, path: Path, frame_capture: bool) -> dict:
        info = self.probe(path)
        stream = next((s for s in info["streams"] if s.get("codec_type") == "video"), {})
        detail = {
            "VideoDetails": {"WidthInPx": stream.get("width"), "HeightInPx": stream.get("height")}
        }
        if not frame_capture:
            detail["DurationInMs"] = round(float(info["format"]["duration"]) * 1000)
        return detail


# --- the REST API -------------------------------------------------------------------------------


def signing_service(environ: dict) -> tuple[str | None, str]:
    """(service, region) from a SigV4 Authorization header's credential scope."""
    try:
        scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[1].split(",")[0]
        _, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        return None, "us-east-1"
    return service, region


class MediaConvertApi:
    """WSGI app of the REST API (rest-json: wire names from botocore's model)."""

    def __init__(self, service: LocalMediaConvert) -> None:
        self.service = service

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        _, region = signing_service(request.environ)
        route = request.path.removeprefix(API_PREFIX).strip("/").split("/")

        def authorize(operation: str, params: dict) -> None:
            authorization.authorize_call(request.headers, request.args, operation, params)

        try:
            if request.method == "POST" and route == ["jobs"]:
                body = from_wire(json.loads(request.get_data() or b"{}"), MODEL.shape("CreateJob"))
                authorize("CreateJob", body)
                job = self.service.create_job(body, region)
                return self.result("CreateJob", {"Job": job}, 201)
            if len(route) == 2 and route[0] == "jobs" and request.method == "GET":
                authorize("GetJob", {"Id": route[1]})
                return self.result("GetJob", {"Job": self.service.get_job(route[1])})
            if len(route) == 2 and route[0] == "jobs" and request.method == "DELETE":
                authorize("CancelJob", {"Id": route[1]})
                self.service.cancel_job(route[1])
                return self.result("CancelJob", {}, 202)
            if request.method == "POST" and route == ["endpoints"]:
                authorize("DescribeEndpoints", {})
                # Endpoint discovery (older SDKs): the account's endpoint is this server.
                endpoints = [{"Url": request.host_url.rstrip("/")}]
                return self.result("DescribeEndpoints", {"Endpoints": endpoints})
        except authorization.AccessDenied as exc:
            return self.error(exc.code, exc.message, 403)
        except BadRequest as exc:
            return self.error("BadRequestException", str(exc), 400)
        except NotFound as exc:
            return self.error("NotFoundException", str(exc), 404)
        return self.error(
            "UnsupportedByLocalAws",
            f"{request.method} {request.path} is not implemented by the local MediaConvert",
            400,
        )

    @staticmethod
    def result(operation: str, body: dict, status: int = 200) -> Response:
        wire = to_wire(body, MODEL.shape(operation, output=True))
        return Response(json.dumps(wire), status=status, mimetype="application/json")

    @staticmethod
    def error(code: str, message: str, status: int) -> Response:
        return Response(
            json.dumps({"message": message, "__type": code}),
            status=status,
            mimetype="application/json",
            headers={"x-amzn-ErrorType": code},
        )


def _route_requests(api: MediaConvertApi) -> None:
    def __call__(self, environ, start_response):
        # moto has no MediaConvert backend to dispatch to: requests signed for it come here.
        if signing_service(environ)[0] == "mediaconvert":
            return api(environ, start_response)
        return dispatch(self, environ, start_response)

    dispatch = replace("DomainDispatcherApplication.__call__", __call__)


# --- Step Functions' optimised integration ----------------------------------------------------

# Parameters each integrated action passes on (botocore members, as Step Functions' PascalCase).
MANAGED_RULE = "StepFunctionsGetEventsForMediaConvertJobRule"
SFN_ACTIONS = {"createjob": "CreateJob", "getjob": "GetJob", "canceljob": "CancelJob"}


def _json_data(value: Any) -> Any:
    """An SDK response as state data: timestamps as AWS writes them there (ISO, Z)."""
    from .stepfunctions import aws_timestamp

    def default(item):
        if isinstance(item, datetime.datetime):
            return aws_timestamp(item)
        raise TypeError(f"{type(item).__name__} is not JSON data")

    return json.loads(json.dumps(value, default=default))


def _serve_step_functions_integration() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    class StateTaskServiceMediaConvert(StateTaskServiceCallback):
        """createJob (request-response or .sync: waits for the job), getJob, cancelJob."""

        def __init__(self) -> None:
            super().__init__(supported_integration_patterns={ResourceCondition.Sync})

        def _get_supported_parameters(self) -> set[str] | None:
            operation = SFN_ACTIONS.get(self.resource.api_action.lower())
            return set(MODEL.shape(operation).members) if operation else None

        def _client(self, resource_runtime_part, state_credentials):
            region = resource_runtime_part.region
            return boto_client_for(region, "mediaconvert", state_credentials)

        def _eval_service_task(
            self, env, resource_runtime_part, normalised_parameters, state_credentials
        ) -> None:
            action = self._get_boto_service_action()
            if action == "create_job":  # as Step Functions tags the jobs it creates
                tags = {
                    **normalised_parameters.get("Tags", {}),
                    "ManagedByService": "AWSStepFunctions",
                }
                normalised_parameters = {**normalised_parameters, "Tags": tags}
            response = getattr(self._client(resource_runtime_part, state_credentials), action)(
                **normalised_parameters
            )
            response.pop("ResponseMetadata", None)
            env.stack.append(_json_data(response))

        def _eval_integration_pattern(
            self, env, resource_runtime_part, normalised_parameters, state_credentials
        ) -> None:
            # moto's version ends every .sync wait with callback_endpoint.interrupt_all(), but a
            # service without .waitForTaskToken has no endpoint (States.Runtime on NoneType).
            if self._get_boto_service_action() != "create_job":
                raise ValueError(f"{self.resource.resource_arn}: only createJob has .sync")
            self._check_managed_rule(resource_runtime_part, state_credentials)
            client = self._client(resource_runtime_part, state_credentials)
            job_id = env.stack.pop()["Job"]["Id"]
            while env.is_running():
                job = _json_data(client.get_job(Id=job_id)["Job"])
                if job["Status"] == "COMPLETE":
                    env.stack.append({"Job": job})
                    return
                if job["Status"] not in RUNNING:
                    raise FailureEventException(self._job_failure(env, job))
                time.sleep(SYNC_POLL_SECONDS)
            client.cancel_job(Id=job_id)  # the execution was stopped: so is its job

        @staticmethod
        def _check_managed_rule(resource_runtime_part, state_credentials) -> None:
            """.sync waits on the job's events through a rule Step Functions manages with the
            state machine's role (Step Functions developer guide, MediaConvert IAM policies)."""
            region, account = resource_runtime_part.region, resource_runtime_part.account
            rule = f"arn:aws:events:{region}:{account}:rule/{MANAGED_RULE}"
            for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
                if not authorization.role_may(
                    state_credentials.role_arn, "StepFunctions", action, rule, region
                ):
                    message = f"the state machine's role is not authorized to perform {action}"
                    raise ClientError(
                        {"Error": {"Code": "AccessDeniedException", "Message": message}},
                        "CreateJob",
                    )

        def _job_failure(self, env, job: dict):
            # The task fails with States.TaskFailed and the job (ErrorCode, ErrorMessage) as
            # its cause, as the other .sync job integrations do.
            error = StatesErrorNameType.StatesTaskFailed
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=error),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                        error=error.to_name(),
                        cause=json.dumps(job),
                    )
                ),
            )

        def _from_error(self, env, ex: Exception):
            if isinstance(ex, ClientError):  # MediaConvert.BadRequestException, ...
                name = f"MediaConvert.{ex.response['Error']['Code']}"
                return FailureEvent(
                    env=env,
                    error_name=CustomErrorName(name),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                            error=name,
                            cause=ex.response["Error"]["Message"],
                        )
                    ),
                )
            return super()._from_error(env, ex)

    def state_task_service_for(service_name: str):
        if service_name == "mediaconvert":
            return StateTaskServiceMediaConvert()
        return service_for(service_name)

    service_for = replace(
        "state_task_service_factory.state_task_service_for", state_task_service_for
    )
    replace("state_task_factory.state_task_service_for", state_task_service_for)  # imported by name


def install(endpoint: str) -> None:
    _route_requests(MediaConvertApi(LocalMediaConvert(endpoint)))
    _serve_step_functions_integration()
