"""Where parts are cut (media_common.parts): every SegmentDuration, whatever the keyframes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from media_common.parts import (
    Packet,
    clean_cuts,
    is_variable_frame_rate,
    mediaconvert_rate,
    plan_parts,
)

TB = Fraction(1, 30)  # one tick a frame at 30 fps


def cfr(frames: int, keyframes: set[int], step: int = 1) -> list[Packet]:
    """Packets in presentation order = decode order (no B-frames)."""
    return [Packet(i * step, step, i in keyframes) for i in range(frames)]


def test_dense_keyframes_cut_at_the_first_keyframe_of_each_segment():
    """As before: keyframes every 2 s, segments of 10 s -> a chunk per part, nothing trimmed."""
    plan = plan_parts(cfr(1800, set(range(0, 1800, 60))), TB, 10)
    assert plan.chunk_starts == tuple(range(0, 1800, 300))
    assert [(p.chunk, p.skip, p.frames) for p in plan.parts] == [(i, 0, 300) for i in range(6)]
    assert [p.span for p in plan.parts] == [10.0] * 6
    assert not plan.variable_frame_rate


def test_a_single_keyframe_still_gives_a_part_per_segment():
    """12 s, one keyframe, SegmentDuration 2: one chunk, six parts trimmed from it."""
    plan = plan_parts(cfr(360, {0}), TB, 2)
    assert plan.chunk_starts == (0,)
    assert [(p.chunk, p.skip, p.frames, p.offset) for p in plan.parts] == [
        (0, 60 * i, 60, 2.0 * i) for i in range(6)
    ]
    assert sum(p.frames for p in plan.parts) == 360
    assert sum(p.span for p in plan.parts) == 12.0


def test_sparse_keyframes_cut_at_a_keyframe_within_the_segment_else_mid_chunk():
    """Keyframes at 0, 5 and 9 s, SegmentDuration 2: the parts start at 0, 2, 5 (the keyframe
    in [4, 6)), 6, 9 (the keyframe in [8, 10)) and 10 s; each lies inside one chunk."""
    plan = plan_parts(cfr(330, {0, 150, 270}), TB, 2)
    assert plan.chunk_starts == (0, 150, 270)
    assert [(p.chunk, p.skip, p.frames) for p in plan.parts] == [
        (0, 0, 60),
        (0, 60, 90),
        (1, 0, 30),
        (1, 30, 90),
        (2, 0, 30),
        (2, 30, 30),
    ]
    assert [p.offset for p in plan.parts] == [0.0, 2.0, 0.0, 1.0, 0.0, 1.0]


def test_b_frames_count_in_presentation_order():
    """I P B B at 0 3 1 2 (decode order): a chunk starts where no later packet shows earlier."""
    order = [0, 3, 1, 2, 4, 7, 5, 6, 8, 11, 9, 10]
    packets = [Packet(pts, 1, i % 4 == 0) for i, pts in enumerate(order)]
    assert clean_cuts(packets) == [0, 4, 8]
    plan = plan_parts(packets, Fraction(1, 4), 1)  # 4 frames a second: cut every 4 frames
    assert plan.chunk_starts == (0, 4, 8)
    assert [p.frames for p in plan.parts] == [4, 4, 4]


def test_an_open_gop_keyframe_is_not_a_cut():
    """A keyframe followed (in decode order) by frames shown before it: leading pictures that
    reference the previous GOP. Cutting there would lose them, so the part is trimmed instead."""
    order = [0, 1, 2, 5, 3, 4, 6, 7]
    packets = [Packet(pts, 1, i in (0, 3)) for i, pts in enumerate(order)]
    assert clean_cuts(packets) == [0]
    plan = plan_parts(packets, Fraction(1, 4), 1)
    assert plan.chunk_starts == (0,)
    assert [(p.skip, p.frames) for p in plan.parts] == [(0, 4), (4, 4)]


def test_the_last_part_lasts_until_the_last_frame_ends():
    packets = cfr(100, {0})
    plan = plan_parts(packets, TB, 2)
    assert [p.frames for p in plan.parts] == [60, 40]
    assert plan.parts[-1].span == pytest.approx(40 / 30, abs=1e-6)


def test_variable_frame_rate():
    assert not is_variable_frame_rate([0, 33, 67, 100, 133])  # 30000/1001 in milliseconds
    assert is_variable_frame_rate([0, 33, 67, 150, 183])
    times = [0, 3000, 6000, 12000, 18000, 21000]  # 30 fps, then 15, then 30 (1/90000 s ticks)
    plan = plan_parts([Packet(t, 3000, t == 0) for t in times], Fraction(1, 90000), 10)
    assert plan.variable_frame_rate


@pytest.mark.parametrize(
    ("average", "rate"), [(29.4, 30), (26.9, 24), (27.1, 30), (12.4, 10), (45, 50), (120, 60)]
)
def test_mediaconvert_rounds_a_variable_rate_to_its_documented_rates(average, rate):
    assert mediaconvert_rate(average) == rate
