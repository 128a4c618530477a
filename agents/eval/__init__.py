"""Evaluation: the policy registry and the benchmark runner behind ``vln benchmark``."""
