"""Whether an input can be processed: not empty, within MAX_INPUT_BYTES, and fitting the
function's temporary storage (/tmp, its ephemeral storage) with what is made from it."""

from __future__ import annotations

from media_common.errors import EmptyInputError, InputTooLargeError

# Temporary space per input byte: the input, what is made from it (video parts and audio, or a
# rendition), and room to spare.
TEMP_SPACE_FACTOR = 3


def check_input_size(
    label: str, size: int, free_bytes: int, max_bytes: int | None = None, work: str = "processing"
) -> None:
    """EmptyInputError or InputTooLargeError for the `size`-byte input `label` (e.g. its S3 URI);
    `work` ("splitting", "transcoding") says in the message what needs the space."""
    if size == 0:
        raise EmptyInputError(f"{label} is 0 bytes")
    if max_bytes is not None and size > max_bytes:
        raise InputTooLargeError(f"{label} is {size} bytes, over MAX_INPUT_BYTES={max_bytes}")
    if size * TEMP_SPACE_FACTOR > free_bytes:
        raise InputTooLargeError(
            f"{label} is {size} bytes: {work} it needs about {size * TEMP_SPACE_FACTOR} bytes of "
            f"temporary storage and {free_bytes} are free (raise the ephemeral storage)"
        )
