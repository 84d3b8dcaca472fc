"""The local AWS's coupling to moto's internals (scripts/localaws/moto_internals.py) checked
against the installed moto, so that a moto upgrade fails here, naming what changed.

No server and no patching: names are only resolved. The install functions are never run in this
process, as they would patch moto for the other in-process moto tests.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from localaws import moto_internals
from localaws.moto_internals import MotoChanged, add, replace

LOCALAWS = Path(moto_internals.__file__).parent
REQUIREMENTS = LOCALAWS.parents[1] / "requirements-dev.txt"
SETTERS = ("setattr", "delattr")


def test_the_installed_moto_is_the_one_the_internals_were_read_in():
    pinned = re.search(r"^moto\[server\]==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)[1]
    installed = moto_internals.installed_version()
    expected = moto_internals.MOTO_VERSION
    assert pinned == expected, (
        f"requirements-dev.txt pins moto {pinned}, the internals in moto_internals.py were read "
        f"in moto {expected}: check them against moto {pinned} (the other tests here), then set "
        "MOTO_VERSION"
    )
    assert installed == pinned, f"moto {installed} is installed, {pinned} pinned: make bootstrap"


def test_every_listed_internal_is_as_the_local_aws_expects_it():
    problems = moto_internals.problems()
    assert not problems, f"moto {moto_internals.installed_version()} changed:\n" + "\n".join(
        problems
    )


def test_the_check_names_each_internal_moto_changed(monkeypatch):
    monkeypatch.setattr(
        moto_internals, "REPLACED", ("moto.s3.models.FakeBucket.get_permissions", "moto.nope.x")
    )
    monkeypatch.setattr(moto_internals, "IMPORTED", ("moto.sqs.models.sqs_backend",))
    monkeypatch.setattr(moto_internals, "ADDED", ("moto.sqs.models.Queue.attributes",))
    monkeypatch.setattr(moto_internals, "IN_PLACE", ("moto.sqs.models.Queue.__init__",))
    problems = moto_internals.problems()
    assert len(problems) == 4, problems
    for name, why in [
        ("moto.s3.models.FakeBucket.get_permissions", "there is no 'get_permissions'"),
        ("moto.nope.x", "there is no module moto.nope"),
        ("moto.sqs.models.sqs_backend", "there is no 'sqs_backend'"),
        ("moto.sqs.models.Queue.attributes", "moto has it now"),
    ]:
        assert any(p.startswith(f"{name}: {why}") for p in problems), (name, problems)
    assert all(f"moto {moto_internals.MOTO_VERSION}" in p for p in problems)


def test_patching_refuses_what_is_not_listed_and_what_moto_lacks(monkeypatch):
    from moto.s3.models import FakeBucket
    from moto.sqs.models import Queue

    def new(*args):
        raise AssertionError("never installed")

    with pytest.raises(ValueError, match=r"'FakeBucket\.delete' names nothing of"):
        replace("FakeBucket.delete", new)
    with pytest.raises(ValueError, match="'as_dict' names more than one entry"):
        replace("as_dict", new)  # FakeJob's, FakeJobRun's, FakeCrawler's
    monkeypatch.setattr(moto_internals, "REPLACED", ("moto.s3.models.FakeBucket.get_permissions",))
    with pytest.raises(MotoChanged, match=r"^moto\.s3\.models\.FakeBucket\.get_permissions: "):
        replace("FakeBucket.get_permissions", new)
    assert "get_permissions" not in vars(FakeBucket)
    monkeypatch.setattr(moto_internals, "ADDED", ("moto.sqs.models.Queue.attributes",))
    with pytest.raises(MotoChanged, match=r"^moto\.sqs\.models\.Queue\.attributes: moto has it"):
        add("Queue.attributes", new)
    assert isinstance(vars(Queue)["attributes"], property)


HELPERS = {"replace": "REPLACED", "add": "ADDED", "in_place": "IN_PLACE"}


def _scan(path: Path) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    """A module's imports from moto, its assignments to attributes of them (patches not made
    through moto_internals), and its calls of replace/add/in_place with a literal name."""
    tree = ast.parse(path.read_text(), str(path))
    imported, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            for alias in node.names:
                imported.append(f"{node.module}.{alias.name}")
                bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "moto":
                    imported.append(alias.name)
                    bound.add(alias.asname or "moto")
    patches, sites = [], []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target] if isinstance(node.target, ast.Attribute) else []
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in SETTERS:
            targets = node.args[:1]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in HELPERS:
            if node.args and isinstance(node.args[0], ast.Constant):
                sites.append((HELPERS[node.func.id], node.args[0].value, where))
            continue
        else:
            continue
        for target in targets:
            root = target
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                patches.append(f"{where}: {ast.unparse(target)}")
    return imported, patches, sites


def _sources() -> list[Path]:
    return [p for p in sorted(LOCALAWS.glob("*.py")) if p.name != "moto_internals.py"]


def test_the_local_aws_imports_and_patches_only_what_is_listed():
    imported, patches = set(), []
    for path in _sources():
        names, found, _ = _scan(path)
        imported |= set(names)
        patches += found
    unlisted = sorted(imported - set(moto_internals.IMPORTED))
    assert not unlisted, f"imported from moto but not in moto_internals.IMPORTED: {unlisted}"
    unused = sorted(set(moto_internals.IMPORTED) - imported)
    assert not unused, f"in moto_internals.IMPORTED but imported nowhere: {unused}"
    assert not patches, f"patch moto through moto_internals.replace/add/in_place: {patches}"


def test_every_patch_site_names_one_listed_entry_and_every_entry_is_patched():
    named = {listing: set() for listing in HELPERS.values()}
    refused = []
    for path in _sources():
        for listing, name, where in _scan(path)[2]:
            try:
                named[listing].add(
                    moto_internals._listed(name, getattr(moto_internals, listing), listing)
                )
            except ValueError as exc:
                refused.append(f"{where}: {exc}")
    assert not refused, "\n".join(refused)
    # ADDED's Rekognition actions are named in a loop; the other listings by literal names.
    for listing in ("REPLACED", "IN_PLACE"):
        unused = sorted(set(getattr(moto_internals, listing)) - named[listing])
        assert not unused, f"in moto_internals.{listing} but patched nowhere: {unused}"
