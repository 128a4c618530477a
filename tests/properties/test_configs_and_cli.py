"""Property: training-config overrides and files, and command lines of the fast ``vln``
commands, give a config / an exit code, or a project error on one line (an argparse usage
error, exit 2, for a malformed command line), never a traceback."""

from __future__ import annotations

import contextlib
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.cli import main
from agents.train.config import TrainConfig, resolve_config
from vlnenv.errors import VLNError

FIELDS = [f"{section}.{field}" for section, values in TrainConfig().to_dict().items()
          for field in values]
VALUES = st.one_of(st.sampled_from(["0", "-1", "1e9", "nan", "inf", "true", "none", "", "[1]",
                                    "a,b", "cpu", "{", "1.5", "-0"]), st.text(max_size=6))


@st.composite
def overrides(draw) -> list[str]:
    items = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)))
        items.append(f"{key}={draw(VALUES)}" if draw(st.integers(0, 5)) else key)
    return items


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides())
def test_any_overrides_give_a_config_or_a_one_line_project_error(items: list[str]) -> None:
    try:
        config = resolve_config(None, items)
    except VLNError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(config, TrainConfig)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80), st.sampled_from([".toml", ".json"]))
def test_any_config_file_gives_a_config_or_a_one_line_project_error(tmp_path_factory, text,
                                                                     suffix) -> None:
    path = tmp_path_factory.mktemp("cfg") / f"c{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        resolve_config(path, [])
    except VLNError as err:
        assert "\n" not in str(err)


#: Command prefixes that finish in well under a second whatever follows.
COMMANDS = [["house", "show"], ["house", "check"], ["house", "new"], ["suite", "check"],
            ["suite", "list"], ["benchmark", "--compare"], ["plot", "curves"],
            ["record", "--policy", "nosuch"], ["train", "demos", "--suite", "nosuch"]]
TOKENS = st.one_of(st.sampled_from(["--seed", "-1", "0", "7", "--out", "x.png", "x", "--tile",
                                    "0", "99", "--episodes", "1000000", "--force", "--size",
                                    "huge", "--no-solve", "nosuch.toml", "tiny", "/", ".",
                                    "--teacher", "oracle", "--workers", "-3"]),
                   st.text(alphabet="-abc0./", max_size=6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(st.sampled_from(COMMANDS), st.lists(TOKENS, max_size=5))
def test_command_lines_end_in_an_exit_code_never_a_traceback(tmp_path, prefix, tokens):
    argv = [*prefix, *tokens]
    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except SystemExit as exit_:
                code = exit_.code
    finally:
        os.chdir(cwd)
    assert code in (0, 1, 2), argv
    if code == 1 and "vln: error:" in err.getvalue():
        assert err.getvalue().count("\n") == 1, err.getvalue()
