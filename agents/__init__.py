"""agents: multimodal policies, trainers, pretraining, evaluation and the ``vln`` command."""
