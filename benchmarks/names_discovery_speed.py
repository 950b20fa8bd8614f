"""Name-variant discovery's speed: documents a second, against a step per word (issue 30).

The corpus is ``pipeline_speed.py``'s (~700-word documents of real article sentences with
their sites' cruft lines), read into memory once; then ``NameDiscovery().fit`` over it, timed
alone, with today's code and with :func:`reference_add`, the per-word loop discovery used
before (kept here as the naive baseline; ``tests/test_names_precision.py`` checks that both
count exactly the same). The two results are compared too.

    python benchmarks/names_discovery_speed.py [N ...]     # default: 10000 100000
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def reference_add(discovery, doc) -> None:
    """Discovery's count of one document as a step per word, the code before issue 30's
    speed-up: what the split-based ``NameDiscovery.add`` must count exactly."""
    import regex

    from cleancorpus.names.discovery import _SENTENCE_START, _STOP

    seen, context, previous = set(), [], None
    text = doc.text
    for match in regex.finditer(r"[\p{L}\p{M}][\p{L}\p{M}\-]*", text):
        word = match.group()
        if previous is not None and word[:1].isupper():
            previous.after.offer(word)
        previous = None
        if word[:1].isupper() and len(word) >= 2:
            stats = discovery.stats[word]
            stats.count += 1
            start = match.start()
            if not _SENTENCE_START.search(text[max(0, start - 3):start]) and start > 0:
                stats.mid_sentence += 1
            for word_before in context:
                stats.before.offer(word_before)
            if word not in seen:
                seen.add(word)
                stats.documents += 1
            if text[match.end():match.end() + 1] == " ":
                previous = stats
        else:
            discovery.lowercase[word.lower()] += 1
        if word.lower() not in _STOP:
            context = [*context[-1:], word]


def main() -> None:
    import pipeline_speed

    from cleancorpus import read_corpus
    from cleancorpus.names.discovery import NameDiscovery

    sizes = [int(x) for x in sys.argv[1:]] or [10_000, 100_000]
    print("| documents | discovery | seconds | documents/s | same counts |")
    print("|---:|---|---:|---:|:---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "corpus.jsonl"
            pipeline_speed.build_corpus(path, size)
            docs = list(read_corpus(path))
        gc.freeze()  # the corpus held in memory is not the garbage collector's work, in either run
        fast_seconds = slow_seconds = float("inf")
        for _ in range(2):  # alternating, the better of two runs each (this machine varies 30%)
            start = time.perf_counter()
            fast = NameDiscovery().fit(docs)
            fast_seconds = min(fast_seconds, time.perf_counter() - start)
            start = time.perf_counter()
            slow = NameDiscovery()
            for doc in docs:
                reference_add(slow, doc)
            slow_seconds = min(slow_seconds, time.perf_counter() - start)
        del docs
        gc.unfreeze()
        same = (fast.lowercase == slow.lowercase and set(fast.stats) == set(slow.stats)
                and all(dict(fast.stats[w].before) == dict(s.before) and dict(fast.stats[w].after) == dict(s.after)
                        and (fast.stats[w].count, fast.stats[w].mid_sentence, fast.stats[w].documents)
                        == (s.count, s.mid_sentence, s.documents) for w, s in slow.stats.items()))
        for label, seconds in (("a step per word (before)", slow_seconds), ("split, list operations (now)",
                                                                              fast_seconds)):
            print(f"| {size:,} | {label} | {seconds:.1f} | {size / seconds:,.0f} | {'yes' if same else 'NO'} |",
                  flush=True)


if __name__ == "__main__":
    main()
