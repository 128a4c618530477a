"""``python -m agents.train bc|dagger|demos ...``: the ``vln train`` commands, as a module
``torchrun`` can start (``torchrun --nproc_per_node=K -m agents.train bc ...``)."""

import sys

from agents.commands.train import main

if __name__ == "__main__":
    sys.exit(main())
