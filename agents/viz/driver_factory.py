"""Building the :class:`~agents.viz.drivers.Driver` of a policy name, for ``vln record``,
``vln run`` and ``vln plot trajectory``.

A registered policy (``oracle``, ``random``, ``forward[:N]``, ``checkpoint:PATH``, ...)
runs through :class:`~agents.viz.drivers.PolicyDriver`; a folder saved by
``MultimodalTransformer.save_pretrained`` through
:class:`~agents.viz.attention.TransformerDriver`, which can also return attention.
"""

from __future__ import annotations

from agents.benchmark.registry import make_policy
from agents.viz.drivers import MODEL_FILES, Driver, DriverError, PolicyDriver, is_model_dir


def make_driver(spec: str, seed: int = 0, attention: bool = False) -> Driver:
    """The driver of the policy named ``spec`` (see the module docstring).

    Args:
        spec: a registered policy name (``NAME[:ARGUMENT]``) or a model folder.
        seed: the policy's seed.
        attention: ask for attention at every step (model folders only).

    Raises:
        DriverError: ``attention`` for a policy that is not a model folder.
        PolicyLookupError: an unknown policy name.
    """
    if is_model_dir(spec):
        from agents.viz.attention import TransformerDriver  # torch: only for a model folder

        return TransformerDriver.from_pretrained(spec, attention=attention)
    if attention:
        raise DriverError(f"--attention needs a MultimodalTransformer folder (with "
                          f"{', '.join(MODEL_FILES)} and vocab.txt, as save_pretrained "
                          f"writes); {spec!r} is not one")
    return PolicyDriver(make_policy(spec, seed), seed=seed)

