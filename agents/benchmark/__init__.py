"""The benchmark behind ``vln benchmark``: policies by name (:mod:`.registry`, with the
trained-model factories of :mod:`.model_factories`), the runner over a suite split
(:mod:`.runner`) and its results files and tables (:mod:`.report`).

Layer: above :mod:`agents.train` and :mod:`agents.rl` (it loads what they train), below
:mod:`agents.viz` and the commands."""
