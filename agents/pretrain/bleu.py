"""Corpus BLEU (Papineni et al. 2002): clipped n-gram precisions up to 4, their geometric
mean, times the brevity penalty."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def corpus_bleu(hypotheses: Sequence[Sequence[str]],
                references: Sequence[Sequence[Sequence[str]]], max_n: int = 4) -> float:
    """``BP * exp(mean_n log p_n)``.

    ``p_n = sum_h sum_g min(c_h(g), max_r c_r(g)) / sum_h sum_g c_h(g)`` over the n-grams
    ``g`` of each hypothesis ``h`` and its references ``r``; ``BP = min(1, exp(1 - R/H))``
    with ``H`` the total hypothesis length and ``R`` the sum of the reference lengths
    closest to each hypothesis's. 0 when some ``p_n`` is 0.
    """
    match, total = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        hyp_len += len(hyp)
        ref_len += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            best: Counter[tuple[str, ...]] = Counter()
            for r in refs:
                best |= _ngrams(r, n)
            match[n - 1] += sum(min(c, best[g]) for g, c in counts.items())
            total[n - 1] += sum(counts.values())
    if hyp_len == 0 or min(match) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(match, total, strict=True)) / max_n
    return min(1.0, math.exp(1 - ref_len / hyp_len)) * math.exp(log_p)
