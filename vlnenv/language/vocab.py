"""The closed vocabulary of instructions and the tokenizer that maps text to ids.

The vocabulary is every token of every string in :mod:`vlnenv.language.lexicon` (the
only source of the generator's words), after five special tokens: ``<pad>`` = 0,
``<unk>`` = 1, ``<cls>`` = 2, ``<sep>`` = 3, ``<mask>`` = 4. It ships as ``vocab.txt``
(one token per line, the line number is the id); regenerate it with::

    python -m vlnenv.language.vocab

Tokenization: :func:`vlnenv.language.normalise.normalise` meets real typing (capitals
lowered, contractions spelt out, possessives and hyphens split off, digits written as
number words, ``!`` read as ``.`` and ``;``/``:`` as ``,``, other stray punctuation
dropped), then each word and each ``,`` ``.`` ``?`` is a token. So "Turn left, then
stop." is ``turn left , then stop .`` and "I'd like the living-room's 2 cups!" is ``i
would like the living room two cups .``. The generator's own text tokenizes exactly as
before (it has none of these). Tokens outside the vocabulary map to ``<unk>``; any
Unicode text is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from vlnenv.language import lexicon
from vlnenv.language.normalise import normalise

PAD, UNK, CLS, SEP, MASK = "<pad>", "<unk>", "<cls>", "<sep>", "<mask>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, CLS, SEP, MASK)
VOCAB_FILE = "vocab.txt"

_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
#: Tokens written without a space before them when decoding.
_NO_SPACE_BEFORE = frozenset({",", ".", "?", "!", ";", ":", "'"})
#: Tokens written without a space after them when decoding.
_NO_SPACE_AFTER = frozenset({"'"})


def tokenize(text: str) -> list[str]:
    """Normalised word and punctuation tokens of ``text`` (see the module docstring)."""
    return [w.text for w in normalise(text)]


def raw_tokenize(text: str) -> list[str]:
    """The tokens of the earlier tokenizer: lower-cased runs of ASCII letters and digits,
    every other non-space character a token of its own (kept to measure what
    :func:`tokenize` gains on typed text)."""
    return _TOKEN.findall(str(text).lower())


def build_vocab() -> list[str]:
    """The special tokens, then every token of the lexicon, sorted."""
    words = {tok for phrase in lexicon.phrases() for tok in tokenize(phrase)}
    return list(SPECIAL_TOKENS) + sorted(words - set(SPECIAL_TOKENS))


def _shipped_tokens() -> list[str]:
    text = resources.files("vlnenv.language").joinpath(VOCAB_FILE).read_text(encoding="utf-8")
    return text.splitlines()


class Tokenizer:
    """Maps instruction text to token ids of a closed vocabulary and back.

    Args:
        tokens: the vocabulary, id order, starting with :data:`SPECIAL_TOKENS`; defaults
            to the vocabulary shipped with the package.
    """

    def __init__(self, tokens: Sequence[str] | None = None) -> None:
        tokens = list(_shipped_tokens() if tokens is None else tokens)
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary must start with {SPECIAL_TOKENS}, got "
                             f"{tuple(tokens[: len(SPECIAL_TOKENS)])}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary must not repeat a token")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self._ids: dict[str, int] = dict(zip(tokens, range(len(tokens)), strict=True))

    @classmethod
    def from_file(cls, path: str | Path) -> Tokenizer:
        """A tokenizer over the vocabulary in ``path`` (one token per line)."""
        return cls(Path(path).read_text(encoding="utf-8").splitlines())

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    @property
    def pad_id(self) -> int:
        return self._ids[PAD]

    @property
    def unk_id(self) -> int:
        return self._ids[UNK]

    @property
    def cls_id(self) -> int:
        return self._ids[CLS]

    @property
    def sep_id(self) -> int:
        return self._ids[SEP]

    @property
    def mask_id(self) -> int:
        return self._ids[MASK]

    def tokenize(self, text: str) -> list[str]:
        """Lower-cased word and punctuation tokens (see the module docstring)."""
        return tokenize(text)

    def token_id(self, token: str) -> int:
        """Id of ``token``, ``<unk>`` for tokens outside the vocabulary."""
        return self._ids.get(token, self.unk_id)

    def encode(self, text: str, max_len: int | None = None, add_cls: bool = True) -> np.ndarray:
        """Token ids of ``text``.

        Args:
            text: any string.
            max_len: pad with ``<pad>`` or truncate to this length; ``None`` keeps the
                natural length.
            add_cls: start with ``<cls>``.

        Returns:
            ``(L,)`` int64 ids.
        """
        ids = [self.cls_id] if add_cls else []
        ids += [self.token_id(tok) for tok in tokenize(text)]
        if max_len is not None:
            if max_len < 0:
                raise ValueError(f"max_len must be >= 0, got {max_len}")
            ids = ids[:max_len] + [self.pad_id] * (max_len - len(ids))
        return np.asarray(ids, dtype=np.int64)

    def encode_batch(self, texts: Iterable[str], max_len: int, add_cls: bool = True) -> np.ndarray:
        """``(N, max_len)`` int64 ids of ``texts``, padded or truncated."""
        rows = [self.encode(t, max_len, add_cls) for t in texts]
        if not rows:
            return np.zeros((0, max_len), dtype=np.int64)
        return np.stack(rows)

    def decode(self, ids: Iterable[int], skip_special: bool = True) -> str:
        """Text of ``ids``: tokens joined by spaces, punctuation attached to the word
        before it; special tokens (``<unk>`` aside) dropped when ``skip_special``."""
        skip = {self.pad_id, self.cls_id, self.sep_id, self.mask_id} if skip_special else set()
        text = ""
        glue = True
        for i in ids:
            i = int(i)
            if i in skip:
                continue
            tok = self.tokens[i] if 0 <= i < len(self.tokens) else UNK
            if text and not glue and tok not in _NO_SPACE_BEFORE:
                text += " "
            text += tok
            glue = tok in _NO_SPACE_AFTER
        return text

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size})"


def write_vocab(path: str | Path | None = None) -> Path:
    """Write :func:`build_vocab` to ``path`` (default: the shipped ``vocab.txt``)."""
    target = Path(path) if path is not None else Path(__file__).with_name(VOCAB_FILE)
    target.write_text("\n".join(build_vocab()) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    written = write_vocab()
    print(f"wrote {len(build_vocab())} tokens to {written}")
