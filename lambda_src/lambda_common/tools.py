"""Running ffmpeg and ffprobe, found on PATH (the layer puts them in /opt/bin on Lambda)."""

from __future__ import annotations

import subprocess

from lambda_common.errors import FFmpegError

# Quiet unless something is wrong, and never waiting for a keypress.
FFMPEG_GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-v", "error")


def run(args: list[str]) -> str:
    """Run a tool, return its stdout; raise FFmpegError (with the end of stderr) on failure."""
    proc = subprocess.run(
        args,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        errors="replace",  # metadata in stderr is not always UTF-8
        check=False,
    )
    if proc.returncode != 0:
        raise FFmpegError(args[0], proc.returncode, proc.stderr)
    return proc.stdout
