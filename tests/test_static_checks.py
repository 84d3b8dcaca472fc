"""ruff, terraform fmt and terraform validate are part of the suite, so CI keeps them clean."""

from __future__ import annotations

import lint


def test_sources_pass_the_static_checks():
    found = lint.problems()
    assert not found, "\n\n".join(found)
