"""The name stage on very large documents: time and peak memory for 1, 10 and 100 MB.

One document made of real article text (the seeds, repeated) with a transliteration
variant every few hundred words, as paragraphs or as one line (the worst case of the old
scan, which looked for the previous and next newline around every match). Compared in the same run with the replacement as it
was before (a ``count``/``rfind`` scan back to the document start for every match, so
quadratic): that one runs only up to 2 MB, where it already takes many seconds.

    python benchmarks/names_scaling.py [--sizes 1,10,100]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from cleancorpus import Document, NameNormalizer
import cleancorpus.names.replace as replace

megabytes, mode, layout = float(sys.argv[1]), sys.argv[2], sys.argv[3]
seeds = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(Path({root!r}, "seeds").glob("*.txt")))
seeds += "\n\nOn Tuesday Prime Minister Nikol Pashinian met President Ilham Aliev in Brussels.\n"
text = (seeds * (int(megabytes * 1024 * 1024 / len(seeds)) + 1))[: int(megabytes * 1024 * 1024)]
if layout == "one-line":
    text = text.replace("\n", " ")
if mode == "before":
    def in_url_before(text, start, end):  # the scan as it was: back to the previous space, unbounded
        left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)) + 1
        right = [i for i in (text.find(" ", end), text.find("\n", end), text.find("\t", end)) if i >= 0]
        return replace._PROTECTED_TOKEN.search(text, left, min(right) if right else len(text)) is not None
    replace._in_url_or_address = in_url_before
    original_apply = NameNormalizer.apply
    def apply_before(self, doc):
        # the old line number: text.count("\n", 0, start) for every match
        result = original_apply(self, doc)
        for change in result.records:
            doc.text.count("\n", 0, change.offset)
        return result
    NameNormalizer.apply = apply_before
normalizer = NameNormalizer()
start = time.perf_counter()
out = normalizer.apply(Document("big", text))
seconds = time.perf_counter() - start
print(seconds, len(out.records), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run(megabytes: float, mode: str, layout: str) -> tuple[float, int, float]:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(megabytes), mode, layout], capture_output=True, text=True,
                         timeout=3600, check=True).stdout.split()
    return float(out[0]), int(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="document sizes in MB")
    parser.add_argument("--before-up-to", type=float, default=2, help="largest size to run the old scan on")
    args = parser.parse_args()
    print(f"{'size':>8} {'layout':>10} {'version':>8} {'seconds':>9} {'MB/s':>7} {'changes':>9} {'peak RSS MB':>12}")
    for megabytes in [float(x) for x in args.sizes.split(",")]:
        for layout in ("paragraphs", "one-line"):
            for mode in ("now", "before"):
                if mode == "before" and megabytes > args.before_up_to:
                    continue
                seconds, changes, peak = run(megabytes, mode, layout)
                print(f"{megabytes:>6g}MB {layout:>10} {mode:>8} {seconds:>9.2f} {megabytes / seconds:>7.1f} "
                      f"{changes:>9,} {peak:>12,.0f}")


if __name__ == "__main__":
    main()
