"""The exception type of the training package."""

from __future__ import annotations

from vlnenv.errors import VLNError


class TrainError(VLNError):
    """A training run that cannot start or go on: a bad config value or override, a
    missing or mismatched checkpoint or demonstrations file, a run folder that would be
    overwritten. The message names the field, file or value concerned and what was
    expected."""
