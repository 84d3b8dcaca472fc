"""`make package` is reproducible: a build of every artefact from scratch, in a fresh output
directory, gives the bytes of build/ (`make package`'s, which make test runs first)."""

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


def test_a_build_from_scratch_gives_the_artefacts_of_build(tmp_path):
    built = json.loads((BUILD / "manifest.json").read_text())
    assert "ffmpeg" in built["layers"] and "media_split" in built["functions"]
    assert digests(rebuild(tmp_path / "again")) == digests(built), (
        "a second build differs from build/: not reproducible, or build/ is older than the "
        "sources (run make package)"
    )
