"""Near-duplicate precision and recall on a labelled set built from real articles.

Positives: each long article of the article-extraction benchmark's ground truth (and each
seed) gets one republished copy with realistic changes, chosen at random per copy:
another outlet's cruft lines, name respellings (the shipped alias table's variants), one
or two sentences edited, the last paragraphs cut, a paragraph from another story
inserted. Negatives: every other pair, including the five seeds, which are five different
stories about one crisis, and 80 follow-up stories that each repeat one or two background
paragraphs of an earlier story (different stories that share text). Excerpts: an outlet
that runs only the first 20-35% of an article (containment 1, Jaccard about 0.15-0.35),
one per article of 300 words or more. More negatives: groups of three different stories
that quote one long statement word for word. The whole set goes through the pipeline
(cruft, names, near-duplicates) as a user would run it; a pair is flagged when both
documents end up in one cluster. A second table compares the ways containment candidates
are found, a third shows where excerpts start to be missed as they get shorter.

Chaining (issue 33), in the same run: connected components of verified pairs (what the
detector did before, and what datatrove and NeMo Curator do) against the greedy clusters it
makes now (every member a verified duplicate of its own representative). A built set of
chains and stars counts members below the thresholds to their representative; a large
corpus of real sentences with planted edited copies (copies of copies too) and follow-up
stories that reuse 35-60% of an earlier story's sentences (different stories, some over the
Jaccard threshold) gives the pair precision and recall of the clusters against the planted
ground truth (same original story), and the clustering time of both on the same verified
pairs.

    python benchmarks/dedup_quality.py
    python benchmarks/dedup_quality.py --planted 100000      # only the chaining tables
"""

from __future__ import annotations

import random
import re
import sys
import time
from dataclasses import replace
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402

import numpy as np  # noqa: E402

from cleancorpus import DedupSettings, Document, Pipeline, Settings  # noqa: E402
from cleancorpus.dedup import NearDuplicateDetector  # noqa: E402
from cleancorpus.names import shipped_table  # noqa: E402

OUTLET_CRUFT = [
    ["Share This Article", "Sign up for our newsletter"],
    ["Skip to content", "Advertisement"],
    ["3 Min Read", "Leave a comment", "Leave a Reply"],
    ["Get the Mirror in your inbox:", "top of page"],
]


def respell(text: str, rng: random.Random) -> str:
    for entry in shipped_table():
        if entry.canonical in text:
            text = re.sub(rf"\b{re.escape(entry.canonical)}\b", rng.choice(entry.variants), text)
    return text


def republish(text: str, other: str, rng: random.Random) -> tuple[str, list[str]]:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    changes = rng.sample(["cruft", "respell", "edit", "cut", "insert"], rng.randint(1, 3))
    if "edit" in changes:
        for _ in range(rng.randint(1, 2)):
            i = rng.randrange(len(paragraphs))
            words = paragraphs[i].split()
            for _ in range(max(1, len(words) // 6)):
                words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "on Monday", "also"])
            paragraphs[i] = " ".join(words)
    if "cut" in changes and len(paragraphs) > 4:
        paragraphs = paragraphs[: max(3, int(len(paragraphs) * 0.7))]
    if "insert" in changes:
        extra = [p for p in other.split("\n") if len(p.split()) > 20]
        if extra:
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), rng.choice(extra))
    new = "\n\n".join(paragraphs)
    if "respell" in changes:
        new = respell(new, rng)
    if "cruft" in changes:
        lines = rng.choice(OUTLET_CRUFT)
        new = lines[0] + "\n\n" + new + "\n\n" + "\n".join(lines[1:])
    return new, changes


def excerpt(text: str, share: float) -> str:
    """The first ``share`` of an article's words, cut at a word as a short-form outlet would."""
    words = text.split(" ")
    return " ".join(words[: max(1, int(len(words) * share))])


def build(seed: int = 11) -> tuple[list[Document], set[frozenset]]:
    rng = random.Random(seed)
    seeds_dir = Path(__file__).resolve().parents[1] / "seeds"
    bases = [(f"seed/{p.name}", p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))]
    bases += [(f"aeb/{p['key'][:12]}", p["gold"]) for p in _data.load_aeb() if len(p["gold"].split()) >= 150]
    docs, truth = [], set()
    for doc_id, text in bases:
        docs.append(Document(doc_id, text, source=doc_id.split("/")[0]))
    for doc_id, text in bases:
        other = rng.choice(bases)[1]
        copy, _ = republish(text, other, rng)
        docs.append(Document(doc_id + "-copy", copy, source="republisher"))
        truth.add(frozenset((doc_id, doc_id + "-copy")))
    # hard negatives: a follow-up story that repeats one or two background paragraphs of
    # an earlier one (a different story on the same topic, sharing text)
    # (their own text comes from Dragnet's gold articles, which are not otherwise in the set)
    fresh = [p["gold"] for p in _data.load_dragnet() if len(p["gold"].split()) >= 150]
    for number, (doc_id, text) in enumerate(rng.sample(bases, 80)):
        background = [p for p in text.split("\n") if len(p.split()) > 25]
        follow_up = [p for p in fresh[number].split("\n") if p.strip()]
        if not background or len(follow_up) < 4:
            continue
        for paragraph in rng.sample(background, min(len(background), rng.randint(1, 2))):
            follow_up.insert(rng.randrange(1, len(follow_up)), paragraph)
        docs.append(Document(f"followup/{number}", "\n\n".join(follow_up), source="follow-ups"))
    # excerpts: the first 20-35% of an article, by a short-form outlet
    for doc_id, text in bases:
        if len(text.split()) >= 300:
            docs.append(Document(doc_id + "-excerpt", excerpt(text, rng.uniform(0.2, 0.35)), source="short-form"))
            truth.add(frozenset((doc_id, doc_id + "-excerpt")))
    truth |= {frozenset((a + "-copy", a + "-excerpt")) for a, _ in bases if len(_.split()) >= 300}
    # three different stories quoting one long statement word for word
    statements = [p for _, text in bases for p in text.split("\n") if len(p.split()) >= 50]
    others = fresh[80:]
    for number in range(min(40, len(statements), len(others) // 3)):
        for k in range(3):
            body = [p for p in others[3 * number + k].split("\n") if p.strip()]
            body.insert(rng.randrange(len(body) + 1), statements[number])
            docs.append(Document(f"quotes/{number}-{k}", "\n\n".join(body), source="quotes"))
    return docs, truth


def flagged_pairs(detector: NearDuplicateDetector, settings: DedupSettings) -> set[frozenset]:
    detector.settings = settings
    result = detector.cluster()
    pairs = set()
    for cluster in result.clusters:
        ids = [cluster.representative, *(m.id for m in cluster.members)]
        pairs |= {frozenset(p) for p in combinations(ids, 2)}
    return pairs


def scores(flagged: set[frozenset], truth: set[frozenset]) -> tuple[float, float, float]:
    tp = len(flagged & truth)
    p = tp / len(flagged) if flagged else 1.0
    r = tp / len(truth)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def grid(detector: NearDuplicateDetector, truth: set[frozenset], seeds: list[str]) -> None:
    print("| jaccard threshold | containment threshold | precision | recall | F1 | false pairs | "
          "follow-ups or quotes flagged | seed pairs flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for containment in (None, 0.9, 0.8):
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.8):
            settings = replace(DedupSettings(), threshold=threshold, containment=containment)
            flagged = flagged_pairs(detector, settings)
            p, r, f = scores(flagged, truth)
            seed_pairs = sum(1 for a, b in combinations(seeds, 2) if frozenset((a, b)) in flagged)
            mark = " (default)" if (threshold, containment) == (DedupSettings().threshold,
                                                                 DedupSettings().containment) else ""
            negatives = sum(1 for pair in flagged if any(x.startswith(("followup/", "quotes/")) for x in pair))
            print(f"| {threshold}{mark} | {containment or 'off'} | {p:.3f} | {r:.3f} | {f:.3f} | "
                  f"{len(flagged - truth)} | {negatives} | {seed_pairs} |")


def by_method(detector: NearDuplicateDetector, truth: set[frozenset]) -> None:
    print("| containment candidates | precision | recall | recall on excerpts | recall on copies | "
          "candidate pairs | candidates (s) |")
    print("|---|---|---|---|---|---|---|")
    excerpts = {p for p in truth if any(x.endswith("-excerpt") for x in p)}
    for method in ("none", "sampled", "ensemble", "datasketch"):
        settings = replace(DedupSettings(), containment_candidates=method)
        detector.settings = settings
        start = time.perf_counter()
        detector._candidate_arrays()
        seconds = time.perf_counter() - start
        flagged = flagged_pairs(detector, settings)
        p, r, _ = scores(flagged, truth)
        mark = " (default)" if method == DedupSettings().containment_candidates else ""
        print(f"| {method}{mark} | {p:.3f} | {r:.3f} | {len(flagged & excerpts) / len(excerpts):.3f} | "
              f"{len(flagged & (truth - excerpts)) / len(truth - excerpts):.3f} | "
              f"{detector.result.candidates} | {seconds:.2f} |")


def excerpt_curve(bases: list[Document], prepare) -> None:
    """Recall on excerpts of each length, and what flagging them costs in false pairs."""
    long = [d for d in bases if len(d.text.split()) >= 300]
    print(f"| excerpt share ({len(long)} articles) | jaccard with the article (median) | "
          "recall: none | recall: sampled | recall: ensemble |")
    print("|---|---|---|---|---|")
    for share in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.5):
        cut = [Document(d.id + "-excerpt", excerpt(d.text, share), source="short-form") for d in long]
        prepared = prepare(long + cut)
        row = []
        jaccards = []
        for method in ("none", "sampled", "ensemble"):
            detector = NearDuplicateDetector(DedupSettings(containment_candidates=method))
            detector.add(prepared)
            flagged = flagged_pairs(detector, detector.settings)
            row.append(sum(1 for d in long if frozenset((d.id, d.id + "-excerpt")) in flagged) / len(long))
            if not jaccards:
                jaccards = sorted(detector.similarity(detector.index_of[d.id], detector.index_of[d.id + "-excerpt"])[0]
                                  for d in long)
        print(f"| {share} | {jaccards[len(jaccards) // 2]:.2f} | " + " | ".join(f"{r:.3f}" for r in row) + " |")


def old_components(detector: NearDuplicateDetector, edges: list) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """The clusters as the detector made them before issue 33: connected components of the
    verified pairs, the representative by the rule, every other member measured against it."""
    from cleancorpus.dedup.clusters import UnionFind, choose_representative

    groups = UnionFind()
    for a, b, _, _ in edges:
        groups.union(a, b)
    out = []
    s = detector.settings
    for group in groups.groups():
        rep = choose_representative([detector.infos[i] for i in group], s.representative, s.preferred_sources)
        rep_index = detector.index_of[rep.id]
        members = [(detector.infos[i].id, *detector.similarity(rep_index, i)) for i in group if i != rep_index]
        out.append((rep.id, members))
    return out


def cluster_pairs(clusters) -> set[frozenset]:
    pairs = set()
    for rep, members in clusters:
        ids = [rep, *(m[0] for m in members)]
        pairs |= {frozenset(p) for p in combinations(ids, 2)}
    return pairs


def chain_table() -> None:
    """Built chains (a~b~c..., ends unlike) and stars: members below the thresholds to their representative."""
    rng = random.Random(5)
    pool = [p["gold"] for p in _data.load_aeb() if len(p["gold"].split()) >= 150]
    sentences = [s.strip() for text in pool for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]
    rng.shuffle(sentences)
    take = iter(sentences)
    docs = []
    for number in range(60):  # chains of 3 to 8 documents, each sharing 5 of 8 paragraphs with the last
        length = 3 + number % 6
        paragraphs = [" ".join(next(take) for _ in range(3)) for _ in range(8 + 3 * (length - 1))]
        for k in range(length):
            docs.append(Document(f"chain{number}/{k}", "\n\n".join(paragraphs[3 * k:3 * k + 8]) + " z" * (length - k)))
    for number in range(30):  # stars: a center and four points sharing five of its eight paragraphs each
        center = [" ".join(next(take) for _ in range(3)) for _ in range(8)]
        docs.append(Document(f"star{number}/center", "\n\n".join(center)))
        for k in range(4):
            own = [" ".join(next(take) for _ in range(3)) for _ in range(3)]
            picked = rng.sample(center, 5)
            docs.append(Document(f"star{number}/point{k}", "\n\n".join(picked + own) + " y" * (6 * (k == 0))))
    detector = NearDuplicateDetector(DedupSettings())
    detector.add(docs)
    edges = list(detector.verified_pairs())
    old = old_components(detector, edges)
    new = detector.cluster()
    s = detector.settings
    below = lambda members: sum(1 for _, j, c in members if not (j >= s.threshold or c >= s.containment))  # noqa: E731
    print(f"{len(docs)} documents in 60 chains of 3-8 and 30 stars of 5; {len(edges)} verified pairs")
    print()
    print("| clustering | clusters | members (dropped by --drop-duplicates) | members below the thresholds "
          "to their representative | lowest member Jaccard |")
    print("|---|---|---|---|---|")
    for name, clusters in (("connected components (before)", old),
                           ("greedy, representative order, two-hop pairs checked (now)",
                            [(c.representative, [(m.id, m.jaccard, m.containment) for m in c.members])
                             for c in new.clusters])):
        members = [m for _, ms in clusters for m in ms]
        print(f"| {name} | {len(clusters)} | {len(members)} | {below(members)} | "
              f"{min(j for _, j, _ in members):.3f} |")
    print(f"\nrelated groups (components split, for review): {len(new.related)}")


def planted(n: int, seed: int = 3, reuse: tuple[float, float] = (0.62, 0.72),
            stories: int = 20) -> tuple[list[Document], dict[str, str]]:
    """``n`` documents of 32 real sentences: 3% edited copies of a recent document (copies
    of copies too: the original story is the truth), and 0.4% updates of a developing
    story (``stories`` at a time): each reuses a share in ``reuse`` of the story's last
    update with new sentences (a shingle Jaccard about 0.35-0.5 to it by default; a
    different story by the truth: some pass the 0.4 threshold, a false pair the
    verification cannot tell). The updates chain the copy
    families of a story together; greedy clusters must not."""
    rng = random.Random(seed)
    pool = [s.strip() for page in _data.load_aeb() for s in re.split(r"(?<=[.!?])\s+", page["gold"])
            if len(s.split()) >= 6]
    recent: list[tuple[list[str], str]] = []
    threads: list[list[str]] = []
    docs, root = [], {}
    for i in range(n):
        draw = rng.random()
        origin = f"doc{i}"
        if recent and draw < 0.03:
            base, origin = rng.choice(recent)
            sentences = base[:]
            for _ in range(rng.randint(1, 2)):
                del sentences[rng.randrange(len(sentences))]
            for _ in range(rng.randint(0, 2)):
                sentences[rng.randrange(len(sentences))] = rng.choice(pool)
        elif threads and draw < 0.034:
            thread = rng.randrange(len(threads))
            shared = rng.sample(threads[thread], round(32 * rng.uniform(*reuse)))
            sentences = shared + [rng.choice(pool) for _ in range(32 - len(shared))]
            rng.shuffle(sentences)
            threads[thread] = sentences
        else:
            sentences = [rng.choice(pool) for _ in range(32)]
            if len(threads) < stories:
                threads.append(sentences)
            elif rng.random() < 0.002:  # a story stops developing, another starts
                threads[rng.randrange(stories)] = sentences
        docs.append(Document(f"doc{i}", " ".join(sentences)))
        root[f"doc{i}"] = origin
        if len(recent) < 2000:
            recent.append((sentences, origin))
        else:
            recent[rng.randrange(2000)] = (sentences, origin)
    return docs, root


def planted_table(n: int) -> None:
    for reuse, stories in (((0.62, 0.72), 20), ((0.68, 0.78), 5)):
        print(f"developing stories: {stories} at a time, each update reusing {reuse[0]:.0%}-{reuse[1]:.0%} "
              "of the last")
        planted_run(n, reuse, stories)
        print()


def planted_run(n: int, reuse: tuple[float, float], stories: int) -> None:
    start = time.perf_counter()
    docs, root = planted(n, reuse=reuse, stories=stories)
    detector = NearDuplicateDetector(DedupSettings())
    detector.add(docs)
    sketched = time.perf_counter() - start
    pairs, _ = detector._pairs_to_verify()
    start = time.perf_counter()
    edges = list(detector.verified_pairs(pairs))
    verified = time.perf_counter() - start
    by_root: dict[str, list[str]] = {}
    for doc_id, origin in root.items():
        by_root.setdefault(origin, []).append(doc_id)
    truth = sum(len(g) * (len(g) - 1) // 2 for g in by_root.values())
    right_edges = sum(1 for a, b, _, _ in edges if root[detector.infos[a].id] == root[detector.infos[b].id])
    print(f"{n} documents, {truth} true pairs (same original story), {len(edges)} verified pairs, "
          f"{right_edges / max(len(edges), 1):.3f} of them true; sketching {sketched:.1f} s, verifying {verified:.1f} s")
    print()
    print("| clustering | clusters | largest | pair precision | pair recall | members below the thresholds "
          "| clustering seconds (best of 3) |")
    print("|---|---|---|---|---|---|---|")
    from cleancorpus.dedup.clusters import greedy_clusters, two_hop_pairs

    s = detector.settings
    runs = {}
    for name in ("connected components (before)", "greedy, representative order, two-hop pairs checked (now)"):
        best = None
        for _ in range(3):
            start = time.perf_counter()
            if name.startswith("connected"):
                clusters = old_components(detector, edges)
            else:  # what NearDuplicateDetector.cluster does after verifying the candidates
                hops = np.array(two_hop_pairs((a, b) for a, b, _, _ in edges), dtype=np.int64).reshape(-1, 2)
                found, _ = greedy_clusters(edges + list(detector.verified_pairs(hops)), detector.infos,
                                           s.representative, s.preferred_sources)
                clusters = [(c.representative, [(m.id, m.jaccard, m.containment) for m in c.members]) for c in found]
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        runs[name] = (clusters, best)
    for name, (clusters, seconds) in runs.items():
        flagged = cluster_pairs(clusters)
        tp = sum(1 for pair in flagged if len({root[i] for i in pair}) == 1)
        members = [m for _, ms in clusters for m in ms]
        below = sum(1 for _, j, c in members if not (j >= s.threshold or c >= s.containment))
        largest = max((1 + len(ms) for _, ms in clusters), default=0)
        print(f"| {name} | {len(clusters)} | {largest} | {tp / max(len(flagged), 1):.3f} | {tp / max(truth, 1):.3f} | "
              f"{below} | {seconds:.3f} |")


def main() -> None:
    if "--planted" in sys.argv:
        planted_table(int(sys.argv[sys.argv.index("--planted") + 1]))
        return
    docs, truth = build()
    prepare = lambda d: list(Pipeline(Settings(), stages=("cruft", "names")).run(d))  # noqa: E731
    prepared = prepare(docs)
    detector = NearDuplicateDetector(DedupSettings())
    detector.add(prepared)
    seeds = [d.id for d in docs if d.id.startswith("seed/") and not d.id.endswith(("-copy", "-excerpt"))]
    kinds = {k: sum(1 for d in docs if k in d.id) for k in ("-copy", "-excerpt", "followup/", "quotes/")}
    print(f"{len(docs)} documents ({kinds}), {len(truth)} duplicate pairs, "
          f"{len(docs) * (len(docs) - 1) // 2 - len(truth)} negative pairs")
    print()
    grid(detector, truth, seeds)
    print()
    by_method(detector, truth)
    # the margin: exact similarities of every candidate, positives against negatives
    detector.settings = DedupSettings()
    ids = [info.id for info in detector.infos]
    positive, negative = [], []
    for a, b in detector.candidate_pairs():
        sims = detector.similarity(a, b)
        (positive if frozenset((ids[a], ids[b])) in truth else negative).append(sims)
    if negative:
        print(f"negative candidates: highest jaccard {max(j for j, _ in negative):.3f}, "
              f"highest containment {max(c for _, c in negative):.3f} ({len(negative)} pairs)")
    missed = truth - flagged_pairs(detector, DedupSettings())
    print(f"missed at the default: {sorted(sorted(p) for p in missed)}")
    print()
    bases = [d for d in docs if "/" in d.id and d.id.split("/")[0] in ("seed", "aeb") and
             not d.id.endswith(("-copy", "-excerpt"))]
    excerpt_curve(bases, prepare)
    print()
    chain_table()
    print()
    planted_table(20000)


if __name__ == "__main__":
    main()
