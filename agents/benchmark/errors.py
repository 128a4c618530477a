"""The exception type of the benchmark package."""

from __future__ import annotations

from vlnenv.errors import VLNError


class PolicyLookupError(VLNError):
    """A policy name that is not registered, or an argument its factory refuses."""
