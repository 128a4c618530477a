"""vlnenv: vision-and-language navigation in grid houses (numpy + Gymnasium only)."""

__version__ = "0.1.0"
