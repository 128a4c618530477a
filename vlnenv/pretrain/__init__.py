"""Pretraining data made from the suites (numpy only, nothing downloaded).

* :mod:`~vlnenv.pretrain.views`: egocentric views at sampled poses of a split's houses.
* :mod:`~vlnenv.pretrain.scene`: what a view shows (room, furniture, objects, doors).
* :mod:`~vlnenv.pretrain.captions`: captions of a view, several phrasings each.
* :mod:`~vlnenv.pretrain.questions`: view questions with answers read off the view.
* :mod:`~vlnenv.pretrain.trajectories`: instruction–trajectory pairs of the episodes.

Every generator takes a seed and draws from its own ``np.random.Generator``; views of a
split come only from that split's houses (``train`` and ``val_unseen`` share none).
"""
