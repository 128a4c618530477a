"""Pretraining the encoders: one objective per module, composed by :mod:`.model`.

* :mod:`.contrastive`: image–text contrastive (CLIP's symmetric InfoNCE, learnable
  temperature);
* :mod:`.itm`: image–text matching with hard negatives (ALBEF);
* :mod:`.mlm`: masked language modelling, text-only and conditioned on the view;
* :mod:`.speaker`: captioning by maximum likelihood (view -> caption, trajectory ->
  instruction) with greedy and beam decoding;
* :mod:`.trajectory`: trajectory–instruction contrastive;
* :mod:`.qa`: view question answering through a learned query token.

The encoders are the policy's own modules under the policy's names (``text``,
``vision``, ``fusion``), so their weights move into a ``MultimodalTransformer``.
"""
