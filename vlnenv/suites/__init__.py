"""Suites: named, versioned sets of houses and episodes with splits ``train``,
``val_seen``, ``val_unseen`` and ``test``, built deterministically from a spec and stored
under ``maps/suites/<name>/`` (see :mod:`vlnenv.suites.build`)."""

from vlnenv.suites.build import build_suite
from vlnenv.suites.check import check_suite
from vlnenv.suites.load import Suite, list_suites, load_suite, suites_root
from vlnenv.suites.spec import SPLITS, SuiteError, SuiteSpec, read_spec

__all__ = [
    "SPLITS", "Suite", "SuiteError", "SuiteSpec", "build_suite", "check_suite", "list_suites",
    "load_suite", "read_spec", "suites_root",
]
