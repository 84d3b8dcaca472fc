"""Running ffmpeg and ffprobe, found on PATH (the layer puts them in /opt/bin on Lambda)."""

from __future__ import annotations

import signal
import subprocess

# Quiet unless something is wrong, and never waiting for a keypress.
FFMPEG_GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-v", "error")


class FFmpegError(Exception):
    """ffmpeg or ffprobe failed; callers turn it into one of the named errors when they can."""

    STDERR_TAIL_LINES = 8  # enough to see why; Step Functions keeps at most 32 KB of Cause

    def __init__(self, tool: str, returncode: int, stderr: str):
        self.tool = tool
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{tool} {self.status}: {self.detail}")

    @property
    def crashed(self) -> bool:
        return self.returncode < 0

    @property
    def status(self) -> str:
        if not self.crashed:
            return f"exited with status {self.returncode}"
        try:
            return f"was killed by {signal.Signals(-self.returncode).name}"
        except ValueError:
            return f"was killed by signal {-self.returncode}"

    @property
    def detail(self) -> str:
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        return " | ".join(lines[-self.STDERR_TAIL_LINES :]) or "no error output"


def run_ffmpeg(args: list[str]) -> str:
    """Run ffmpeg or ffprobe (args[0]) and return its stdout; raise FFmpegError (with the end
    of its stderr) when it fails."""
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
