"""The shape of the code: stages installed under `clout`, and dependencies that point one way."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What importing each stage may pull in: ingest and index know nothing of the CLI or the web.
STAGES = {
    "clout.ingest.sources": ("click", "flask", "werkzeug", "clout.index", "clout.web", "clout.cli"),
    "clout.ingest.batch": ("click", "flask", "werkzeug", "clout.index", "clout.web", "clout.cli"),
    "clout.ingest.podcast": ("click", "flask", "werkzeug", "clout.index", "clout.web", "clout.cli"),
    "clout.ingest.web": ("click", "flask", "werkzeug", "clout.index", "clout.web", "clout.cli"),
    "clout.index.kb": ("click", "flask", "werkzeug", "clout.ingest", "clout.web", "clout.cli"),
    "clout.index.search": ("click", "flask", "werkzeug", "clout.ingest", "clout.web", "clout.cli"),
    "clout.pipeline.sync": ("click", "flask", "werkzeug", "clout.web", "clout.cli"),
    "clout.web": ("clout.cli", "clout.ingest"),  # Flask itself imports click
}


def _modules_after_import(name: str) -> list[str]:
    # A fresh interpreter: this test process has imported everything already.
    code = f"import json, sys, {name}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return json.loads(out.stdout)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_imports_nothing_above_or_beside_it(stage):
    loaded = _modules_after_import(stage)
    forbidden = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in STAGES[stage])]
    assert forbidden == [], f"importing {stage} pulled in {forbidden}"


def test_the_stages_install_under_clout_only():
    """No top-level `index`, `ingest` or `web` module: those names belong to other packages."""
    loaded = _modules_after_import("clout.web")
    assert not [m for m in loaded if m.split(".")[0] in ("index", "ingest", "web")]
    from importlib.util import find_spec

    spec = find_spec("clout.index")
    assert spec is not None and spec.origin.replace("\\", "/").endswith("index/__init__.py")


def test_setup_cfg_lists_every_package_folder():
    """package_dir maps the stage folders, so `packages` is written out by hand: a folder it misses
    would be left out of a wheel while an editable install still finds it."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    folders = {"clout": "clout", "ingest": "clout.ingest", "index": "clout.index", "web": "clout.web"}
    found = set()
    for folder, name in folders.items():
        for init in (root / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(root / folder).parts
            found.add(".".join((name, *parts)))
    assert found == listed


@pytest.mark.slow
def test_a_local_ingest_never_imports_ray(tmp_path):
    """Ray is imported only for `--ray` / CLOUT_RAY_ADDRESS: a user who never asks for it pays nothing for it."""
    import os

    note = tmp_path / "note.txt"
    note.write_text("A short note on winning executive support for a programme, and what the sponsor decides.")
    code = (
        "import sys\nfrom clout.cli import main\n"
        f"sys.argv = ['clout', '--data-dir', {str(tmp_path / 'data')!r}, 'ingest', {str(note)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "CLOUT_RAY_ADDRESS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "added: " in out.stdout and out.stdout.strip().splitlines()[-1] == "[]"
