"""scripts/module_docs.py: the generated Inputs/Outputs tables, and every module README in the
repository being up to date with its module."""

from __future__ import annotations

from pathlib import Path

import module_docs
import pytest
from module_docs import BEGIN, END, GENERATED_NOTE, MODULES_DIR

VARIABLES_TF = """\
variable "name" {
  description = "Name prefix; buckets are <name>-in and <name>-out."
  type        = string
}

variable "renditions" {
  description = <<-EOT
    Renditions by name: height in pixels,
    optional "crf" | bitrate.
  EOT
  type = map(object({
    height        = number
    video_crf     = optional(number, 23) # x264 quality
    video_bitrate = optional(string)
  }))
  default = {
    "720p" = { height = 720 }
    "1080p" = {
      height    = 1080,
      video_crf = 21
    }
  }
}

variable "suffixes" {
  description = "Keys ending with one of these (`*.mp4` style globs are *not* supported)."
  type        = list(string)
  default = [
    ".mp4",
    "a  #b", // spaces and a hash inside a string stay
  ]
}

variable "kms_key_arn" {
  description = "KMS key; null uses \\"aws/s3\\"."
  type        = string
  default     = null
}

variable "anything" {
  description = "No type given."
}
"""

OUTPUTS_TF = """\
output "bucket" {
  description = "Input bucket (uploads under `incoming/`)."
  value       = "x"
}

output "functions" {
  description = "Function ARNs by role."
  value       = {}
}
"""

EXPECTED_TABLES = f"""\
{GENERATED_NOTE}

## Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| `name` | Name prefix; buckets are \\<name>-in and \\<name>-out. | `string` | n/a | yes |
| `renditions` | Renditions by name: height in pixels, optional "crf" \\| bitrate. \
| `map(object({{ height = number, video_crf = optional(number, 23), \
video_bitrate = optional(string) }}))` \
| `{{ "720p" = {{ height = 720 }}, "1080p" = {{ height = 1080, video_crf = 21 }} }}` | no |
| `suffixes` | Keys ending with one of these (`*.mp4` style globs are \\*not\\* supported). \
| `list(string)` | `[".mp4", "a  #b"]` | no |
| `kms_key_arn` | KMS key; null uses "aws/s3". | `string` | `null` | no |
| `anything` | No type given. | `any` | n/a | yes |

## Outputs

| Name | Description |
|------|-------------|
| `bucket` | Input bucket (uploads under `incoming/`). |
| `functions` | Function ARNs by role. |"""

README_HEAD = "# demo\n\nHand-written text, kept.\n\n"
README_TAIL = "\n\n## Notes\n\nAlso kept.\n"


@pytest.fixture
def modules(tmp_path) -> Path:
    module = tmp_path / "demo"
    module.mkdir()
    (module / "variables.tf").write_text(VARIABLES_TF)
    (module / "outputs.tf").write_text(OUTPUTS_TF)
    (module / "main.tf").write_text('resource "null_resource" "x" {\n  for_each = {}\n}\n')
    (module / "README.md").write_text(f"{README_HEAD}{BEGIN}\nold tables\n{END}{README_TAIL}")
    return tmp_path


def readme(modules: Path) -> str:
    return (modules / "demo" / "README.md").read_text()


def test_generates_the_tables_between_the_markers_and_keeps_the_rest(modules, capsys):
    assert module_docs.main(["--modules-dir", str(modules)]) == 0

    assert readme(modules) == f"{README_HEAD}{BEGIN}\n{EXPECTED_TABLES}\n{END}{README_TAIL}"
    assert "demo/README.md" in capsys.readouterr().out


def test_check_lists_an_out_of_date_readme_and_writes_nothing(modules, capsys):
    before = readme(modules)

    assert module_docs.main(["--check", "--modules-dir", str(modules)]) == 1

    assert "demo/README.md: out of date" in capsys.readouterr().err
    assert readme(modules) == before


def test_an_up_to_date_readme_passes_the_check_and_is_not_rewritten(modules):
    module_docs.main(["--modules-dir", str(modules)])
    written = readme(modules)

    assert module_docs.main(["--check", "--modules-dir", str(modules)]) == 0
    assert module_docs.main(["--modules-dir", str(modules)]) == 0
    assert readme(modules) == written


def test_a_changed_description_makes_the_readme_out_of_date(modules):
    module_docs.main(["--modules-dir", str(modules)])
    outputs = modules / "demo" / "outputs.tf"
    outputs.write_text(outputs.read_text().replace("Function ARNs", "Lambda ARNs"))

    assert module_docs.main(["--check", "--modules-dir", str(modules)]) == 1


def test_a_module_without_readme_or_markers_is_reported_and_left_alone(modules, capsys):
    (modules / "demo" / "README.md").write_text("# demo\n\nNo markers.\n")
    bare = modules / "bare"
    bare.mkdir()
    (bare / "variables.tf").write_text('variable "x" {\n  type = string\n}\n')
    (modules / "not-a-module").mkdir()  # no .tf files: not checked

    assert module_docs.main(["--modules-dir", str(modules)]) == 1

    err = capsys.readouterr().err
    assert "bare/README.md: missing" in err
    assert "demo/README.md: no <!-- BEGIN_TF_DOCS --> ... <!-- END_TF_DOCS --> markers" in err
    assert "not-a-module" not in err
    assert readme(modules) == "# demo\n\nNo markers.\n"
    assert not (bare / "README.md").exists()


def test_invalid_hcl_names_the_file(modules):
    (modules / "demo" / "variables.tf").write_text('variable "x" {\n  type = \n')

    with pytest.raises(SystemExit, match=r"demo/variables\.tf: not valid HCL"):
        module_docs.main(["--check", "--modules-dir", str(modules)])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("list(string)", "list(string)"),
        (
            "object({\n  a = number\n  b = list(string) # why\n})",
            "object({ a = number, b = list(string) })",
        ),
        ('[\n  "x",\n  "y",\n]', '["x", "y"]'),
        ('{\n  "a b" = "c  # d"\n}', '{ "a b" = "c  # d" }'),
        ('"say \\"hi\\" // not a comment"', '"say \\"hi\\" // not a comment"'),
        ("tuple([\n  string, /* first */\n  number\n])", "tuple([string, number])"),
        ("<<-EOT\n  line one\n  line two\nEOT\n", '"line one\\nline two"'),
    ],
)
def test_expressions_are_shown_as_written_on_one_line(source, expected):
    assert module_docs.one_line(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"plain"', "plain"),
        ('"a \\"quoted\\" \\\\ \\u00e9 $${literal}"', 'a "quoted" \\ é ${literal}'),
        ("<<-EOT\n    indented\n      more\n  EOT\n", "indented\n  more"),
        ("<<EOT\n  kept\nEOT", "  kept"),
    ],
)
def test_string_values(source, expected):
    assert module_docs.string_value(source) == expected


# --- the repository's own modules ------------------------------------------------------------

MODULES = module_docs.module_dirs(MODULES_DIR)


def test_the_repository_has_modules():
    assert {"lambda-function", "s3-bucket", "media-convert"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_readme_is_up_to_date(module):
    """The --check of `scripts/module_docs.py`, one module at a time: a README whose tables
    no longer match its variables/outputs (or that lacks them) fails `make test`."""
    problem = module_docs.readme_problem(module, write=False)
    assert problem is None, problem
