"""Name-variant discovery and replacement on real article text with known respellings.

Builds a corpus from the seeds and the article-extraction benchmark's ground-truth
bodies (../shared/data), and inserts sentences that mention 32 real entities, each in
its canonical spelling or a real transliteration variant (sources below), plus hard
negatives: different people who share a surname or whose given names differ by one
letter, and near-identical proper words (Austria/Australia, Armenia/Armenian ...).
Reports precision and recall of discovered variant pairs, of the replacement applied
with ``apply_discovered``, the number of wrong merges, and the shipped table's recall.

Second, the **real-text false-respelling count**: ``--apply-discovered`` over the real
article bodies in ../shared/data (Dragnet and article-extraction gold text, nothing
planted, shipped table on as a user runs it). Every pair it applies is listed with the
label given by hand once (``REAL_TEXT_LABELS``); an unlabelled pair is printed as
"unlabelled" so a change of the rules that applies something new is seen and labelled.

    python benchmarks/names_quality.py
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402

from cleancorpus import Document, NameNormalizer, NameSettings, WordChange  # noqa: E402
from cleancorpus.names import discover_variants  # noqa: E402

# (canonical, variants, context before the name, where the spellings are used)
ENTITIES = [
    ("Pashinyan", ["Pashinian"], "Prime Minister Nikol", "Armenian government site vs RFE/RL"),
    ("Aliyev", ["Aliev"], "President Ilham", "president.az vs RFE/RL"),
    ("Zelensky", ["Zelenskyy", "Zelenskiy"], "President Volodymyr", "AP/BBC vs Kyiv Independent vs Reuters"),
    ("Gaddafi", ["Qaddafi", "Gadhafi"], "Colonel Muammar", "BBC vs New York Times vs AP"),
    ("Kocharyan", ["Kocharian"], "former President Robert", "Armenian press vs RFE/RL"),
    ("Sargsyan", ["Sargsian"], "former President Serzh", "official vs RFE/RL"),
    ("Mirzoyan", ["Mirzoian"], "Foreign Minister Ararat", "mfa.am vs RFE/RL"),
    ("Bayramov", ["Bairamov"], "Foreign Minister Jeyhun", "mfa.gov.az vs Russian-language press"),
    ("Yanukovych", ["Yanukovich"], "former President Viktor", "Ukrainian vs Russian transliteration"),
    ("Tymoshenko", ["Timoshenko"], "former Prime Minister Yulia", "Ukrainian vs Russian transliteration"),
    ("Navalny", ["Navalnyy"], "opposition leader Alexei", "BBC vs his own site"),
    ("Shoigu", ["Shoygu"], "Defence Minister Sergei", "Reuters vs TASS"),
    ("Lukashenko", ["Lukashenka"], "President Alexander", "Russian vs Belarusian form"),
    ("Tokayev", ["Tokaev"], "President Kassym-Jomart", "akorda.kz vs Russian press"),
    ("Nazarbayev", ["Nazarbaev"], "former President Nursultan", "Kazakh official vs Russian press"),
    ("Mirziyoyev", ["Mirziyoev"], "President Shavkat", "president.uz vs Russian press"),
    ("Tsikhanouskaya", ["Tikhanovskaya"], "opposition leader Sviatlana", "Belarusian vs Russian form"),
    ("Gorbachev", ["Gorbachov"], "former leader Mikhail", "English vs phonetic form"),
    ("Khrushchev", ["Khrushchov"], "Soviet leader Nikita", "English vs phonetic form"),
    ("Erdogan", ["Erdoğan"], "President Recep Tayyip", "English press vs Turkish"),
    ("Ahmadinejad", ["Ahmadinezhad"], "former President Mahmoud", "English vs Russian-based form"),
    ("Kadyrov", ["Kadirov"], "Chechen leader Ramzan", "English vs variant press"),
    ("Medvedev", ["Medvedyev"], "former President Dmitry", "English vs phonetic form"),
    ("Saakashvili", ["Saakaschwili"], "former President Mikheil", "English vs German press"),
    ("Zakharova", ["Zakharowa"], "spokeswoman Maria", "English vs Polish/German press"),
    ("Tskhinvali", ["Tskhinval"], "the town of", "Georgian vs Russian/Ossetian form"),
    ("Yerevan", ["Erevan"], "the capital", "English vs French/older form"),
    ("Kharkiv", ["Kharkov"], "the city of", "Ukrainian vs Russian form"),
    ("Luhansk", ["Lugansk"], "the region of", "Ukrainian vs Russian form"),
    ("Hezbollah", ["Hizbollah"], "the group", "AP vs Guardian"),
    ("Ivanishvili", ["Iwanischwili"], "billionaire Bidzina", "English vs German press"),
    ("Khamenei", ["Khamenehi"], "Supreme Leader Ali", "English vs variant press"),
]
# Pairs that must never be merged, each mentioned with its own context.
HARD_NEGATIVES = [
    ("Heydar Aliyev", "Ilham Aliyev"), ("Brian Smith", "Bryan Jones"), ("Stephen King", "Steven Spielberg"),
    ("Austria", "Australia"), ("Slovakia", "Slovenia"), ("Armenia", "Armenian"), ("Azeri", "Azeris"),
    ("Georgia", "Georgian"), ("Nigeria", "Niger"), ("Sudan", "Sudanese"), ("Artsakh", "Nagorno-Karabakh"),
    ("Pashinyan", "Khandanyan"), ("Malawi", "Mali"), ("Kristen Bell", "Kirsten Dunst"),
    ("Dominica", "Dominican"), ("Iran", "Iraq"), ("Lebanon", "Lebanese"), ("Marian Hossa", "Marion Cotillard"),
]
#: Hand labels of the pairs --apply-discovered applied on the real texts (variant, canonical): why.
REAL_TEXT_LABELS = {
    ("Hañifah", "Hanifah"): ("right", "one imam, Abu Hanifah; the diacritic form of the same name"),
    ("Romneyy", "Romney"): ("right", "a typo of Mitt Romney's surname in the same article"),
    ("Ferris", "Ferriss"): ("right", "Tim Ferriss, misspelled with one s"),
    ("Vermalen", "Vermaelen"): ("right", "Arsenal's Thomas Vermaelen, misspelled in the same team list (R765)"),
}

TEMPLATES = [
    "{ctx} {name} said on Monday that the talks would continue next month.",
    "Officials close to {ctx} {name} declined to comment on the report.",
    "{name}'s office issued a short statement late on Tuesday.",
    "Asked about the plan, {ctx} {name} said it was too early to judge.",
]
NEGATIVE_TEMPLATES = [
    "Reporters also asked about {a}, and separately about {b}, in the same briefing.",
    "{a} was mentioned once; {b} came up later in the discussion.",
]


def build_corpus(seed: int = 7) -> tuple[list[Document], dict[str, str]]:
    """Documents with inserted mentions, and the truth: surface spelling -> entity canonical."""
    rng = random.Random(seed)
    bases = [p["gold"] for p in _data.load_aeb() if len(p["gold"].split()) > 150]
    bases += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*"))]
    truth = {c: c for c, *_ in ENTITIES}
    truth.update({v: c for c, variants, *_ in ENTITIES for v in variants})
    docs = []
    for index, base in enumerate(bases):
        paragraphs = [p for p in base.split("\n") if p.strip()]
        inserts = []
        for canonical, variants, ctx, _ in rng.sample(ENTITIES, 3):
            name = canonical if rng.random() < 0.65 else rng.choice(variants)
            inserts.append(rng.choice(TEMPLATES).format(ctx=ctx, name=name))
        if index % 3 == 0:
            a, b = rng.choice(HARD_NEGATIVES)
            inserts.append(rng.choice(NEGATIVE_TEMPLATES).format(a=a, b=b))
        for sentence in inserts:
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), sentence)
        docs.append(Document(f"doc{index:03d}", "\n\n".join(paragraphs)))
    return docs, truth


def real_text() -> None:
    """What --apply-discovered respells in real news text, labelled."""
    from cleancorpus.names.tables import shipped_table

    docs = [Document(f"aeb/{i}", p["gold"]) for i, p in enumerate(_data.load_aeb())]
    docs += [Document(f"dragnet/{i}", p["gold"]) for i, p in enumerate(_data.load_dragnet())]
    normalizer = NameNormalizer(NameSettings(apply_discovered=True)).fit(docs)
    known = {f for e in shipped_table() for f in (e.canonical, *e.variants)}
    found = discover_variants(docs, known)
    applied = Counter()
    for d in docs:
        for change in normalizer.apply(d).records_of(WordChange):
            if change.entry.startswith("discovered:"):
                applied[(change.old, change.new)] += 1
    print(f"\nreal text: {len(docs)} article bodies; discovery proposes {len(found)} groups, "
          f"{sum(v.confidence == 'apply' for v in found)} applied, "
          f"{sum(v.confidence == 'review' for v in found)} for review only")
    print("| applied pair (variant -> canonical) | mentions | label | why |")
    print("|---|---|---|---|")
    wrong = 0
    for (old, new), count in sorted(applied.items()):
        label, why = REAL_TEXT_LABELS.get((old, new), ("unlabelled", "label it in REAL_TEXT_LABELS"))
        wrong += label != "right"
        print(f"| {old} -> {new} | {count} | {label} | {why} |")
    print(f"wrong or unlabelled pairs applied: {wrong}")
    kinds = ("no shared context", "differ only in capitals", "different given names", "more than a transliteration")
    reasons = Counter(next((k for k in kinds if k in v.reason), v.reason) for v in found if v.confidence == "review")
    print("review reasons:", dict(reasons.most_common()))


def main() -> None:
    docs, truth = build_corpus()
    corpus_words = Counter(w.strip(".,;:'’s") for d in docs for w in d.text.split())
    present = {s: e for s, e in truth.items() if corpus_words[s] or any(s in d.text for d in docs[:0])}
    present = {s: e for s, e in truth.items() if any(s in d.text for d in docs)}
    true_pairs = {frozenset(p) for p in combinations(present, 2) if present[p[0]] == present[p[1]]}

    found = discover_variants(docs)
    predicted = {frozenset(p) for v in found for p in combinations((v.canonical, *v.variants), 2)}
    # the real bodies the planted set is built on hold real variants of their own; a pair the
    # hand labels of the real-text count mark right is a true pair here too (Hanifah / Hañifah)
    labelled_right = {frozenset(pair) for pair, (label, _) in REAL_TEXT_LABELS.items() if label == "right"}
    true_pairs |= {pair for pair in labelled_right if all(any(w in d.text for d in docs) for w in pair)}
    correct = predicted & true_pairs
    wrong = predicted - true_pairs
    negative_words = {w for a, b in HARD_NEGATIVES for w in (*a.split(), *b.split())}
    wrong_negatives = {p for p in wrong if p & negative_words}

    # replacement with discovered variants (shipped table off: discovery alone)
    normalizer = NameNormalizer(NameSettings(use_shipped_table=False, apply_discovered=True)).fit(docs)
    changes = [c for d in docs for c in normalizer.apply(d).records_of(WordChange)]
    good_changes = [c for c in changes if (truth.get(c.old) and truth.get(c.old) == truth.get(c.new))
                    or frozenset((c.old, c.new)) in labelled_right]
    variant_mentions = 0
    canonical_form = {}
    for v in found:
        for member in (v.canonical, *v.variants):
            canonical_form[member] = v.canonical
    # occurrences that should change: spellings of an entity other than its most frequent one in the corpus
    by_entity: dict[str, Counter] = {}
    for d in docs:
        for surface, entity in present.items():
            n = d.text.count(surface)
            if n:
                by_entity.setdefault(entity, Counter())[surface] += n
    for entity, counts in by_entity.items():
        top = max(counts, key=lambda s: (counts[s], s == entity))
        variant_mentions += sum(n for s, n in counts.items() if s != top)

    shipped = NameNormalizer(NameSettings())
    shipped_changes = [c for d in docs for c in shipped.apply(d).records_of(WordChange)]
    shipped_good = [c for c in shipped_changes if truth.get(c.old) and truth.get(c.old) == truth.get(c.new)]
    table_variants = sum(n for d in docs for s, e in present.items() if s != e for n in [d.text.count(s)])

    p = len(correct) / len(predicted) if predicted else 1.0
    r = len(correct) / len(true_pairs)
    rp = len(good_changes) / len(changes) if changes else 1.0
    planted_good = [c for c in good_changes if truth.get(c.old)]  # (recall: of the planted entities' mentions)
    rr = len(planted_good) / variant_mentions if variant_mentions else 1.0
    print(f"corpus: {len(docs)} documents, {len(ENTITIES)} entities, {len(HARD_NEGATIVES)} hard-negative pairs, "
          f"{len(true_pairs)} true variant pairs present")
    print("| measure | value |")
    print("|---|---|")
    print(f"| discovery precision (pairs) | {p:.3f} ({len(correct)}/{len(predicted)}) |")
    print(f"| discovery recall (pairs) | {r:.3f} ({len(correct)}/{len(true_pairs)}) |")
    print(f"| wrong merges (all) | {len(wrong)} |")
    print(f"| wrong merges on hard negatives | {len(wrong_negatives)} |")
    print(f"| replacement precision (apply_discovered) | {rp:.3f} ({len(good_changes)}/{len(changes)}) |")
    print(f"| replacement recall (apply_discovered) | {rr:.3f} ({len(planted_good)}/{variant_mentions}) |")
    print(f"| shipped table: replacement precision | "
          f"{len(shipped_good) / len(shipped_changes) if shipped_changes else 1:.3f} |")
    print(f"| shipped table: variant mentions respelled | {len(shipped_good)}/{table_variants} |")
    missed = sorted(tuple(sorted(p)) for p in true_pairs - predicted)
    print("missed pairs:", json.dumps(missed, ensure_ascii=False))
    print("wrong pairs:", json.dumps(sorted(tuple(sorted(p)) for p in wrong), ensure_ascii=False))
    applied = {frozenset(p) for v in found if v.confidence == "apply"
               for p in combinations((v.canonical, *v.variants), 2)}
    print(f"pairs applied by --apply-discovered: {len(applied)}, of them right {len(applied & true_pairs)}, "
          f"wrong {sorted(tuple(sorted(p)) for p in applied - true_pairs)}")
    real_text()


if __name__ == "__main__":
    main()
