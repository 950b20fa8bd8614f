"""Word shingles of a text, hashed with numpy instead of a Python loop per shingle.

The text is case-folded and split into words (punctuation dropped). Each word gets a
64-bit polynomial hash computed for all words at once from prefix sums over the UTF-8
bytes (a modular-inverse trick keeps it one ``cumsum``), then ``k`` consecutive word
hashes are combined into a shingle hash and mixed with splitmix64. The hashes are
deterministic across processes and platforms (no use of Python's salted ``hash``), so
signatures agree between runs, ``--jobs`` settings and the on-disk index.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import regex

_NON_WORD = regex.compile(r"[^\p{L}\p{N}]+")
_MASK64 = (1 << 64) - 1
_BASE = 0x100000001B3  # odd: invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
     0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64)

_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)


def _ensure_powers(n: int) -> None:
    """Grow the cached tables of BASE**i and BASE**-i (mod 2**64) to at least ``n`` entries."""
    global _powers, _inverse_powers
    if len(_powers) >= n:
        return
    size = max(n, 2 * len(_powers), 1 << 16)
    with np.errstate(over="ignore"):
        _powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64)
        _powers = np.concatenate([[np.uint64(1)], _powers[:-1]]).astype(np.uint64)
        _inverse_powers = np.cumprod(np.full(size, _BASE_INV, dtype=np.uint64), dtype=np.uint64)
        _inverse_powers = np.concatenate([[np.uint64(1)], _inverse_powers[:-1]]).astype(np.uint64)


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer over an array: spreads every input bit over the output."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64, copy=True)
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def fold_words(text: str) -> str:
    """Case-folded words joined by single spaces: punctuation and layout removed."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


_SEPARATOR_BYTES = np.ones(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
    _SEPARATOR_BYTES[_c] = False
_SEPARATOR_BYTES[0x80:] = False  # bytes of non-ASCII characters: letters unless marked below


def _separator_mask(data: np.ndarray) -> np.ndarray:
    """True where a byte separates words: ASCII punctuation and space, and the UTF-8 bytes of
    general punctuation (U+2000-U+206F: curly quotes, dashes, ellipsis), no-break space,
    guillemets and the inverted marks."""
    mask = _SEPARATOR_BYTES[data]
    lead = np.flatnonzero((data[:-2] == 0xE2) & ((data[1:-1] == 0x80) | (data[1:-1] == 0x81)))
    for shift in (0, 1, 2):
        mask[lead + shift] = True
    two = np.flatnonzero((data[:-1] == 0xC2) & np.isin(data[1:], (0xA0, 0xAB, 0xBB, 0xA1, 0xBF, 0xB7)))
    mask[two] = True
    mask[two + 1] = True
    return mask


#: Bytes hashed at a time (a piece, see :func:`_pieces`): the arrays of one step (eight bytes
#: a byte of text, a few times over) stay a few MB for any document, instead of growing with
#: it (a 50 MB document used to take 2 GB). No word is cut between pieces, and a word's hash
#: does not depend on where its piece starts: the hashes are the same for any piece size.
CHUNK_BYTES = 1 << 20


_SPACE = regex.compile(r"\s")


def _pieces(texts: list[str], chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The texts as pieces of about ``chunk`` bytes: ``(case-folded UTF-8 bytes, start of
    each segment in them, the text each segment is of)``. Small texts are joined into one
    piece (with a separator byte between them); a long text is cut into several, each cut
    just after a white-space character, so no word and no multi-byte separator is cut, and
    lower-casing a segment gives what lower-casing the whole text would (Greek final sigma
    included: its context stops at white space). Memory stays a few pieces, whatever the
    size of a text."""
    segments: list[bytes] = []
    owners: list[int] = []
    size = 0

    def flush():
        lengths = np.fromiter((len(e) + 1 for e in segments), dtype=np.int64, count=len(segments))
        data = np.frombuffer(b"\n".join(segments) + b"\n", dtype=np.uint8)
        return data, np.concatenate([[0], np.cumsum(lengths)[:-1]]), np.array(owners, dtype=np.int64)

    for number, text in enumerate(texts):
        at = 0
        while True:
            cut = len(text)
            if len(text) - at > chunk:
                space = _SPACE.search(text, at + chunk)
                cut = space.end() if space else len(text)
            part = text[at:cut].lower().encode("utf-8")
            segments.append(part)
            owners.append(number)
            size += len(part) + 1
            if size >= chunk:
                yield flush()
                segments, owners, size = [], [], 0
            at = cut
            if at >= len(text):
                break
    if segments:
        yield flush()


def _word_hashes(data: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mixed hash of each word of a piece's bytes (``mask``: where its separators are)
    and the byte offset of each word's start."""
    edges = np.diff(np.concatenate([[False], ~mask, [False]]).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    n = len(data)
    _ensure_powers(n + 1)
    with np.errstate(over="ignore"):
        weighted = data.astype(np.uint64) * _inverse_powers[:n]
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(weighted, dtype=np.uint64)])
        words = (prefix[ends] - prefix[starts]) * _powers[ends - 1]
        words += (ends - starts).astype(np.uint64)
    return mix64(words), starts


def iter_shingle_hashes(texts: list[str], size: int = 5) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Shingle hashes of many texts, a piece of about :data:`CHUNK_BYTES` at a time:
    ``(hashes, document index of each)`` per piece, documents in order, then one shingle of
    all its words for each text shorter than ``size`` words. Memory: a piece, whatever the
    size of a text (the caller keeps what it needs of each piece)."""
    if not 1 <= size <= len(_POSITION_MULTIPLIERS):
        raise ValueError(f"shingle size must be between 1 and {len(_POSITION_MULTIPLIERS)}")
    if not texts:
        return
    words_per_doc = np.zeros(len(texts), dtype=np.int64)
    carry_words = np.zeros(0, dtype=np.uint64)
    carry_docs = np.zeros(0, dtype=np.int64)
    short_words: dict[int, list[np.ndarray]] = {}
    for data, segment_starts, segment_docs in _pieces(texts, CHUNK_BYTES):
        chunk_words, offsets = _word_hashes(data, _separator_mask(data))
        chunk_docs = segment_docs[np.searchsorted(segment_starts, offsets, side="right") - 1]
        counts = np.bincount(chunk_docs, minlength=len(texts))
        words_per_doc += counts
        few = np.flatnonzero((counts > 0) & (counts < size))  # maybe a short text: its words kept
        if len(few):
            keep = np.isin(chunk_docs, few)
            kept_docs, kept_words = chunk_docs[keep], chunk_words[keep]
            docs, first = np.unique(kept_docs, return_index=True)
            for doc, piece in zip(docs, np.split(kept_words, first[1:])):
                short_words.setdefault(int(doc), []).append(piece)
        words = np.concatenate([carry_words, chunk_words])
        word_doc = np.concatenate([carry_docs, chunk_docs])
        count = len(words) - size + 1
        if count > 0:
            with np.errstate(over="ignore"):
                combined = words[:count] * _POSITION_MULTIPLIERS[0]
                for offset in range(1, size):
                    combined = combined + words[offset:offset + count] * _POSITION_MULTIPLIERS[offset]
            same = word_doc[:count] == word_doc[size - 1:size - 1 + count]
            if same.any():
                yield mix64(combined[same]), word_doc[:count][same]
        keep_from = max(len(words) - (size - 1), 0)  # the last size-1 words start the next chunk's shingles
        carry_words, carry_docs = words[keep_from:], word_doc[keep_from:]
    short = np.flatnonzero((words_per_doc > 0) & (words_per_doc < size))
    if len(short):  # texts shorter than one shingle: one shingle of all their words
        hashes = np.empty(len(short), dtype=np.uint64)
        for position, doc in enumerate(short):
            own = np.concatenate(short_words[int(doc)])
            with np.errstate(over="ignore"):
                hashes[position] = (own * _POSITION_MULTIPLIERS[:len(own)]).sum(dtype=np.uint64)
        yield mix64(hashes), short.astype(np.int64)


def batch_shingle_hashes(texts: list[str], size: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts: ``(hashes, document index of each)``, all of
    :func:`iter_shingle_hashes` in one pair of arrays. A text shorter than ``size`` words
    gets one shingle of all its words, as in :func:`shingle_hashes`. Hashes are not
    de-duplicated (callers sort anyway)."""
    parts = list(iter_shingle_hashes(texts, size))
    if not parts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return (np.concatenate([h for h, _ in parts]),
            np.concatenate([d for _, d in parts]).astype(np.int64, copy=False))


def shingle_hashes(text: str, size: int = 5) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the ``size``-word shingles of one text."""
    return sorted_unique(batch_shingle_hashes([text], size)[0])


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (``values`` is sorted in place): one sort and a mask, as
    numpy's own ``unique`` hashes integers first, several times slower on millions of them."""
    values.sort()
    if len(values) < 2:
        return values
    return values[np.concatenate([[True], values[1:] != values[:-1]])]
