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
    "agents.commands.record",
    "agents.commands.plot",
    "agents.commands.train",
    "agents.commands.pretrain",
)
