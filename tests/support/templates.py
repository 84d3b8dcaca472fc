"""Render the modules' JSON templates as Terraform's templatefile() does for the only syntax they
use: plain `${name}` interpolations and `%{ if name }...%{ endif }` on a boolean (any other
directive or an unknown name fails the test)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEDIA_CONVERT = ROOT / "terraform" / "modules" / "media-convert"
INTERPOLATION = re.compile(r"\$\{(\w+)\}")
CONDITIONAL = re.compile(r"%\{ if (\w+) \}(.*?)%\{ endif \}", re.DOTALL)
INLINE_MAP = json.dumps({"Mode": "INLINE"})  # media-convert's processor_config, map_mode "inline"


def render(path: Path, **variables) -> str:
    text = path.read_text()
    conditions = {name for name, _ in CONDITIONAL.findall(text)}
    assert conditions <= set(variables), f"{path.name} needs {sorted(conditions - set(variables))}"
    text = CONDITIONAL.sub(lambda match: match[2] if variables[match[1]] else "", text)
    assert "%{" not in text, f"{path.name}: template directives other than if are not rendered here"
    names = set(INTERPOLATION.findall(text))
    assert names <= set(variables), f"{path.name} also needs {sorted(names - set(variables))}"
    return INTERPOLATION.sub(lambda match: str(variables[match[1]]), text)


def mediaconvert_job_template(role_arn: str = "arn:aws:iam::123456789012:role/mc") -> dict:
    """The module's MediaConvert job template with the e2e root's settings."""
    return json.loads(
        render(
            MEDIA_CONVERT / "mediaconvert_job.json",
            role_arn=role_arn,
            name="mc-test",
            qvbr_quality_level=7,
            max_bitrate=5000000,
            quality_tuning_level="SINGLE_PASS",
        )
    )
