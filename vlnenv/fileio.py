"""Atomic file writes shared by map files, episode files, suites and checkpoints, and the
output rule every command that writes follows (:func:`output_folder`, :func:`output_file`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vlnenv.errors import OutputError


@contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path in the target's folder for a writer that wants a file name (an
    image or video library, say); on leaving the block without error it is renamed over
    ``path``, so readers see either the old file or the whole new one. On any error the
    temporary file is removed and ``path`` is left as it was.

    Args:
        path: the file to produce.
        suffix: the temporary file's suffix (some writers choose the format by it).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    except OSError as err:
        raise OutputError(f"{path}: cannot write there ({err.strerror or err})") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`), synced to disk."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """:func:`write_bytes_atomic` of ``text`` in UTF-8 with ``\\n`` line ends as given."""
    write_bytes_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------- the output rule
# Every command that writes follows one rule (docs/cli.md, "Outputs"): an output folder is
# created if missing and refused if it is a file; an existing non-empty folder (or an
# existing file) is replaced only when the user passes ``--force``, and never deleted
# before the new result is whole; every file is written to a temporary name and renamed.


def check_output(path: str | os.PathLike[str], force: bool = False, *,
                 folder: bool = True) -> Path:
    """Refuse an output path before any work is done; returns it as a ``Path``.

    Args:
        path: the output folder (``folder=True``) or file.
        force: the user asked to replace earlier results (``--force``).
        folder: whether the output is a folder or a single file.

    Raises:
        OutputError: a file where a folder is wanted (or the reverse), a parent that is a
            file, earlier results at ``path`` without ``force``, or (with ``force``) the
            current folder, one that holds it, or the home folder.
    """
    path = Path(path)
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{path}: cannot write there, {parent} is a file; expected "
                              "a folder path")
    if folder:
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path}: is a file; expected a folder (missing, empty, or "
                              "earlier results to replace with --force)")
        if path.is_dir() and any(path.iterdir()) and not force:
            raise OutputError(f"{path}: holds earlier results; pass --force to replace them "
                              "(only once the new ones are complete), or choose another "
                              "--out")
        if path.is_dir() and force:
            here, full = Path.cwd().resolve(), path.resolve()
            if full == here or full in here.parents or full == Path.home().resolve():
                raise OutputError(f"{path}: is the folder you are in, one that holds it, or "
                                  "your home folder; --force would replace all of it; "
                                  "expected a results folder")
    else:
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; expected a file name")
        if path.exists() and not force:
            raise OutputError(f"{path}: exists; pass --force to replace it, or choose "
                              "another --out")
    return path


def check_inputs_outside(out: str | os.PathLike[str], inputs: list[str]) -> None:
    """Refuse to replace an output folder that holds one of the run's inputs (``--force``
    would delete the model being benchmarked, or the run DAgger starts from).

    Raises:
        OutputError: naming the input inside ``out``.
    """
    root = Path(out).resolve()
    for item in inputs:
        if item and os.path.exists(item):
            full = Path(item).resolve()
            if full == root or root in full.parents:
                raise OutputError(f"{out}: holds {item}, an input of this run; --force would "
                                  "delete it; expected another --out")


def _sibling(path: Path, tag: str) -> Path:
    """A new, unused, hidden name beside ``path`` (not created)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{tag}-", dir=path.parent))
    os.rmdir(tmp)
    return tmp


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def output_folder(path: str | os.PathLike[str], force: bool = False, *,
                  in_place: bool = False) -> Iterator[Path]:
    """The folder a command writes its results into, under the output rule.

    By default the block writes into a new hidden sibling folder (``.NAME.partial-*``),
    which replaces ``path`` only when the block ends without error: earlier results stay
    whole until then, and a failed (or killed) run leaves them as they were.

    With ``in_place=True`` (long runs that checkpoint into their own folder, so that a
    killed run can be resumed there) the block writes into ``path`` itself; earlier
    results (``force``) are first set aside as ``.NAME.previous-*``, deleted when the block
    succeeds and put back when it fails. A failed run into a new folder keeps what it wrote.

    Raises:
        OutputError: see :func:`check_output`; or the folder cannot be created.
    """
    path = Path(os.path.abspath(check_output(path, force)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{path}: cannot create the folder ({err.strerror})") from None
    earlier = path.is_dir() and any(path.iterdir())
    if in_place:
        aside = _sibling(path, "previous") if earlier else None
        if aside is not None:
            os.replace(path, aside)
        path.mkdir(exist_ok=True)
        try:
            yield path
        except BaseException:
            if aside is not None:
                _remove_tree(path)
                os.replace(aside, path)
            raise
        if aside is not None:
            _remove_tree(aside)
        return
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    except OSError as err:
        raise OutputError(f"{path}: cannot write beside it ({err.strerror})") from None
    os.chmod(work, 0o755)  # mkdtemp makes it private; a results folder is not
    try:
        yield work
        replace_folder(work, path)
    finally:
        if work.exists():
            _remove_tree(work)


def replace_folder(new: Path, path: Path) -> None:
    """Rename the folder ``new`` to ``path``; a folder already at ``path`` is renamed aside
    first and deleted only once ``new`` is in place (put back if the rename fails)."""
    old = _sibling(path, "previous") if path.exists() else None
    if old is not None:
        os.replace(path, old)
    try:
        os.replace(new, path)
    except BaseException:
        if old is not None:
            os.replace(old, path)
        raise
    if old is not None:
        _remove_tree(old)


@contextmanager
def output_file(path: str | os.PathLike[str], force: bool = False,
                suffix: str = ".tmp") -> Iterator[Path]:
    """:func:`atomic_path` under the output rule: ``path`` is refused if it is a folder,
    or exists without ``force``; its folder is created if missing.

    Raises:
        OutputError: see :func:`check_output`; or the file cannot be written there.
    """
    with atomic_path(check_output(path, force, folder=False), suffix) as tmp:
        yield tmp
