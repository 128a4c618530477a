"""Sub-commands of ``vln``: one module per command group, each with ``register(subparsers)``.

Modules import heavy dependencies (torch, matplotlib, pygame) inside their handlers so that
``vln --help`` and the light commands start fast.
"""

#: Command-group modules, in the order ``vln --help`` lists them.
MODULES: tuple[str, ...] = (
    "agents.commands.quickstart",
    "agents.commands.house",
    "agents.commands.suite",
    "agents.commands.benchmark",
    "agents.commands.play",
    "agents.commands.run",
    "agents.commands.record",
    "agents.commands.plot",
    "agents.commands.train",
    "agents.commands.pretrain",
)


def add_force(parser: object) -> None:
    """The ``--force`` flag of every command that writes (the output rule,
    :func:`vlnenv.fileio.output_folder`)."""
    parser.add_argument(  # type: ignore[attr-defined]
        "--force", action="store_true",
        help="replace earlier results at --out (only once the new ones are complete)")


def seed_arg(text: str) -> int:
    """``--seed``: an integer >= 0 (numpy's generators take no negative seed)."""
    return _int_at_least(text, 0, "a seed")


def count_arg(text: str) -> int:
    """A count of at least one (``--episodes``, ``--workers``, ``--batch``, ...)."""
    return _int_at_least(text, 1, "a count")


def _int_at_least(text: str, low: int, what: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {what}, an integer >= {low}") \
            from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{value}: expected {what}, an integer >= {low}")
    return value
