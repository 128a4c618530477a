"""The README's set-up commands and Python examples work as written."""

import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def _setup_commands() -> list[str]:
    return re.search(r"```bash\n(.*?)```", README, re.S).group(1).strip().splitlines()


def test_readme_opens_with_the_two_setup_commands():
    assert _setup_commands() == ['pip install -e . && vln quickstart',
                                 'pip install -e ".[test]" && pytest']


def test_ci_runs_the_readme_test_command_word_for_word():
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == _setup_commands()[1]  # the last line: nothing runs after it
    assert not any("-m pytest" in line for line in ci)  # it would hide import-path mistakes


def test_the_tests_import_the_installed_packages_not_test_folders():
    """``tests/agents`` must never shadow the ``agents`` package (nor ``tests/vlnenv``
    ``vlnenv``): both are regular packages from the checkout or the install."""
    import agents
    import vlnenv

    for package in (agents, vlnenv):
        assert package.__file__ is not None, package  # None: a namespace package
        assert Path(package.__file__).parent.name == package.__name__
        assert "tests" not in Path(package.__file__).parts


def test_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
