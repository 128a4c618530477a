"""Seeing episodes: driving a policy step by step (:mod:`.drivers`,
:mod:`.driver_factory`, :mod:`.attention`), choosing episodes to watch (:mod:`.episodes`),
frames with captions and attention heat (:mod:`.frames`, :mod:`.captions`, :mod:`.heat`),
``vln play`` (:mod:`.play`), ``vln record`` (:mod:`.record`) and ``vln plot``
(:mod:`.plots`).

Layer: the top of ``agents`` below the commands; it builds policies through
:mod:`agents.benchmark.registry`."""
