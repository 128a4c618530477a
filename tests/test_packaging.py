"""The installed package carries its data: a wheel built from this checkout, installed into
a fresh virtual environment (reusing the dependencies installed here), finds the shipped
suites, houses, vocabulary and configs from any folder, with no checkout in sight."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What the copy of the checkout leaves out (build outputs, runs, caches).
SKIP = shutil.ignore_patterns(".git", "runs", "build", "dist", "*.egg-info", "__pycache__",
                              ".venv", ".pytest_cache", ".ruff_cache", ".hypothesis", "tests",
                              "docs")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv holding the wheel of this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIP)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
          str(source)], tmp)
    (wheel,) = (tmp / "dist").glob("vlnenv-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                    "['purelib'])"], tmp).strip()
    # the dependencies come from this interpreter's site-packages (a path line in a .pth
    # file: its own .pth files, such as an editable vlnenv's finder, are not run)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_vlnenv_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
         tmp)
    return env_dir / "bin"


@pytest.mark.slow
def test_the_installed_wheel_finds_its_suites_and_houses_from_any_folder(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    where = _run([str(installed / "python"), "-c", "import vlnenv, agents; "
                  "print(vlnenv.__file__); print(agents.__file__)"], tmp_path, env)
    assert all(line.startswith(str(installed.parent)) for line in where.split()), where
    assert "tiny" in _run([str(installed / "vln"), "suite", "list"], tmp_path, env).split()
    _run([str(installed / "vln"), "suite", "check", "tiny"], tmp_path, env)
    _run([str(installed / "vln"), "benchmark", "--suite", "tiny", "--split", "val_unseen",
          "--policy", "oracle", "--out", str(tmp_path / "bench")], tmp_path, env)
    assert (tmp_path / "bench" / "results.json").is_file()
    shipped = _run([str(installed / "python"), "-c", "from agents.train.config import "
                    "config_path; from vlnenv.shipped import houses_root; "
                    "print(config_path('configs/quickstart.toml')); "
                    "print(len(list(houses_root().glob('*.toml'))))"], tmp_path, env).split()
    assert shipped[0].startswith(str(installed.parent)) and int(shipped[1]) == 8


@pytest.mark.slow
def test_the_installed_quickstart_runs_from_any_folder(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run([str(installed / "vln"), "quickstart", "--suite", "tiny", "--out", "qs",
          "--bc-budget", "2", "--workers", "1", "--set", "eval.episodes=2",
          "--set", "run.threads=1"], tmp_path, env)
    assert (tmp_path / "qs" / "report.md").is_file()
