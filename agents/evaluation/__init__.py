"""Scoring a model: the ``MultimodalTransformer`` as a :class:`vlnenv.eval.protocol.Policy`
(:mod:`.model_policy`) and the evaluation that training runs on a few validation episodes
(:mod:`.in_training`), both through :mod:`vlnenv`'s own evaluation loop.

Layer: above :mod:`agents.models`, below :mod:`agents.train` (which scores its model
here) and :mod:`agents.benchmark` (whose ``checkpoint`` policy is a loaded model here)."""
