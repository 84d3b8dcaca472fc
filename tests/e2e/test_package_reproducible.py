"""`make package` is reproducible: two builds of every artefact from the same sources, in fresh
output directories, give the same bytes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from localaws.process import ROOT

BUILD = ROOT / "build"


def rebuild(out):
    # Reuse only what was downloaded (wheels, installed dependencies); every zip and the layer
    # are written again from scratch.
    for reusable in ("deps", "wheels"):
        source = BUILD / ".cache" / reusable
        if source.exists():
            shutil.copytree(source, out / ".cache" / reusable)
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return json.loads((out / "manifest.json").read_text())


def digests(manifest: dict) -> dict[str, str]:
    entries = {**manifest["functions"], **manifest["layers"]}
    return {name: entry["sha256"] for name, entry in entries.items()}


def test_two_builds_give_identical_artefacts(tmp_path):
    first, second = rebuild(tmp_path / "one"), rebuild(tmp_path / "two")
    assert digests(first) == digests(second)
    assert "ffmpeg" in first["layers"] and "media_split" in first["functions"]
