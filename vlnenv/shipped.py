"""The data that ships inside the package: hand-made houses and built suites.

They live in ``vlnenv/maps/`` (``houses/*.toml``, ``suites/<name>/``) and are package
data, found through :mod:`importlib.resources`, so a ``vln`` installed from a wheel
finds them from any folder. A checkout also has ``maps/`` at its top level, a link to
the same folder, so the paths in the docs (``maps/houses/studio.toml``) work there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from vlnenv.errors import VLNError


def maps_root() -> Path:
    """The shipped ``maps`` folder inside the installed package.

    Raises:
        VLNError: the package is not installed as plain files (a zip import), so its
            data has no folder to read suites from.
    """
    root = resources.files("vlnenv").joinpath("maps")
    if not isinstance(root, Path) or not root.is_dir():
        raise VLNError(f"the shipped maps are not a folder ({root}); expected vlnenv "
                       "installed from a wheel or a checkout, not imported from a zip")
    return root


def houses_root() -> Path:
    """The shipped hand-made houses' folder (``maps/houses``)."""
    return maps_root() / "houses"


def suites_root() -> Path:
    """The shipped suites' folder (``maps/suites``)."""
    return maps_root() / "suites"
