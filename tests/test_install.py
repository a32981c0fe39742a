"""What `make run` installs: what running needs, never the test or cluster packages
(a newcomer's `.venv` and wait; the README states both as measured)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONLY_FOR_TESTS_OR_CLUSTERS = {"pytest", "hypothesis", "playwright", "ray", "ruff",
                              "gradio-client", "pytest-timeout"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_make_run_installs_no_test_or_cluster_package() -> None:
    make = (ROOT / "Makefile").read_text()
    run_extras = re.search(r"^RUN_EXTRAS\s*:=\s*(.*)$", make, re.M).group(1).split(",")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    installed = list(project["dependencies"])
    for extra in run_extras:
        installed += extras[extra.strip()]
    assert not {_name(r) for r in installed} & ONLY_FOR_TESTS_OR_CLUSTERS
    # ...while `make test` has them all.
    test_extras = re.search(r"^TEST_EXTRAS\s*:=\s*(.*)$", make, re.M).group(1).split(",")
    tested = {_name(r) for e in test_extras for r in extras[e.strip()]}
    assert {"pytest", "playwright", "ray"} <= tested
    # The run target depends on the run stamp only (the test stamp installs the rest).
    assert re.search(r"^run: \$\(RUN_STAMP\)\s*$", make, re.M)
