"""The scale model (media_common.scale_model): Lambda's memory-to-vCPU ratio, the fit to the
measured throughput, the seed's test cases at media-convert's defaults (which must agree with
variables.tf), and the sns-fanout test root's upload that must go through parts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import scale_table
from media_common import scale_model as m

ROOT = Path(__file__).resolve().parents[3]

# tests/bench/bench_scale.py, 2026-11-29 (build/bench/scale.json): fps per vCPU, medians.
MEASURED = {
    ("1080p", 720, "veryfast"): 83.0,
    ("1080p", 1080, "veryfast"): 46.6,
    ("1080p", 720, "ultrafast"): 158.8,
    ("2160p", 720, "veryfast"): 47.0,
    ("2160p", 1080, "veryfast"): 33.3,
}


def test_memory_buys_vcpus_at_lambdas_ratio_up_to_six():
    assert m.vcpus(1769) == 1
    assert m.vcpus(3008) == pytest.approx(1.7, abs=0.01)
    assert m.vcpus(10240) <= m.MAX_VCPUS


def test_outputs_keep_the_aspect_and_never_upscale():
    assert m.output_frame(m.RESOLUTIONS["2160p"], 720) == m.Frame(1280, 720)
    assert m.output_frame(m.Frame(640, 360), 720) == m.Frame(640, 360)
    assert m.output_frame(m.Frame(1440, 1080), 240) == m.Frame(320, 240)


@pytest.mark.parametrize(("source", "height", "preset"), MEASURED)
def test_the_model_is_within_ten_percent_of_what_was_measured(source, height, preset):
    frame = m.RESOLUTIONS[source]
    per_frame = m.encode_cpu_seconds_per_frame(frame, m.output_frame(frame, height), preset)
    assert 1 / per_frame == pytest.approx(MEASURED[source, height, preset], rel=0.1)


def test_unmeasured_presets_cost_as_the_next_slower_measured_one_or_not_at_all():
    frame = m.RESOLUTIONS["1080p"]
    cost = {p: m.encode_cpu_seconds_per_frame(frame, frame, p) for p in ("superfast", "veryfast")}
    assert cost["superfast"] == cost["veryfast"]
    with pytest.raises(ValueError, match="slower than any measured"):
        m.encode_cpu_seconds_per_frame(frame, frame, "slow")
    # The transcoder then takes the safe side: parts, however short the source.
    short = m.Source(0, 1, m.Frame(320, 180))
    assert not m.fits_in_process(short, 180, "slow", 10240, remaining_s=900)


def hcl_default(text: str, block: str, field: str) -> int:
    """`field = optional(number, N)` inside `block = optional(object({ ... }))`."""
    line = re.search(rf"^\s*{block}\s*=\s*optional\(object\(\{{(.*)$", text, re.MULTILINE)
    return int(re.search(rf"{field}\s*=\s*optional\(number,\s*(\d+)\)", line.group(1)).group(1))


def test_the_tables_defaults_are_the_modules():
    text = (ROOT / "terraform/modules/media-convert/variables.tf").read_text()
    for step in ("split", "encode", "merge"):
        function = scale_table.DEFAULTS[step]
        assert (
            hcl_default(text, step, "memory_size"),
            hcl_default(text, step, "timeout"),
            hcl_default(text, step, "ephemeral_storage"),
        ) == (function.memory_mb, function.timeout_s, function.ephemeral_mb)
    concurrency = re.search(r'variable "map_max_concurrency".*?default\s*=\s*(\d+)', text, re.S)
    assert int(concurrency.group(1)) == scale_table.DEFAULTS["map_max_concurrency"]
    height = re.search(r'variable "output_height".*?default\s*=\s*(\d+)', text, re.S)
    assert int(height.group(1)) == scale_table.DEFAULTS["output_height"]


@pytest.mark.parametrize("case", scale_table.SEED_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("reading", scale_table.READINGS)
def test_the_seeds_test_cases_fit_the_defaults(case, reading):
    plan = scale_table.plan(case, reading)
    assert plan.fits, plan
    # Within half of each timeout: room for a slower source than the reading assumes.
    steps = (plan.split, plan.encode, plan.audio, plan.merge)
    assert max(step.wall_s for step in steps) < m.MAX_TIMEOUT_S / 2
    assert plan.rounds <= 2


@pytest.mark.parametrize("case", scale_table.SEED_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("reading", scale_table.READINGS)
def test_chunks_cut_by_the_split_fit_too_and_take_longer(case, reading):
    """Another container, or the MediaConvert backend: the split downloads, cuts and uploads
    the chunks (and extracts the audio), on the critical path."""
    cut = scale_table.plan(case, reading, chunks_in_source=False)
    assert cut.fits and cut.audio is None
    assert max(cut.split.wall_s, cut.encode.wall_s, cut.merge.wall_s) < m.MAX_TIMEOUT_S / 2
    in_source = scale_table.plan(case, reading)
    assert in_source.split.wall_s < cut.split.wall_s / 4
    assert in_source.critical_path_s < cut.critical_path_s


def test_the_upload_limit_is_what_the_splits_storage_holds():
    assert m.max_input_bytes(10240) == 10240 * 2**20 // 3 == 3_579_139_413
    largest = max(case.size_bytes for case in scale_table.SEED_CASES)
    assert largest <= m.max_input_bytes(scale_table.DEFAULTS["split"].ephemeral_mb)


def test_too_many_parts_would_not_fit_a_state():
    hour = m.Source(3 * 10**9, 36_000, m.RESOLUTIONS["1080p"])  # 10 h at SegmentDuration 2
    function = m.Function(3008, 900, 10240)
    plan = m.media_convert(hour, 2, 720, "veryfast", function, function, function, 40)
    assert plan.parts_payload_bytes > m.STATE_PAYLOAD_BYTES and not plan.fits


def test_the_fanout_test_roots_long_upload_goes_through_parts_and_its_clips_do_not():
    """tests/terraform/sns_fanout: 512 MB, 5 s, ultrafast, renditions 240p and 360p;
    tests/e2e/test_sns_fanout.py uploads an 8 s 1080p30 source, and 2 s 640x360 clips."""
    long = m.Source(0, 8, m.RESOLUTIONS["1080p"])
    clip = m.Source(0, 2, m.Frame(640, 360))
    for height in (240, 360):
        assert not m.fits_in_process(long, height, "ultrafast", 512, remaining_s=4.5)
        assert m.fits_in_process(clip, height, "ultrafast", 512, remaining_s=4)
