"""The exception type of the model package."""

from __future__ import annotations

from vlnenv.errors import VLNError


class ModelError(VLNError):
    """A model that cannot be built, fed or loaded: a bad config value, an observation of
    the wrong shape, an unknown fusion, or a missing, corrupt or mismatched checkpoint file.
    The message names the field, file or input concerned, what was found and what was
    expected."""
