"""Cruft removal per language, on the real non-English pages of the article-extraction set.

The article-extraction benchmark (../shared/data, never copied here; not trafilatura's own
evaluation pages) holds 20 pages that are not in English: German, Indonesian, Italian,
Japanese, Korean, Portuguese and Russian, most of them two pages of one site. Their gold is
the hand-checked article body, so every line of an extraction that is not in it is cruft
already labelled. The language of a page is its gold text's, by py3langid.

Each method runs over the whole set (all 181 pages, each page's host its source, as
cruft_quality.py does), and the scores are then taken per language: trafilatura (comments
off) and a plain HTML-to-text conversion (inscriptis), each alone, with the naive "drop every
line seen on two pages of the site", and with cleancorpus; and, for the plain text, how many
lines cleancorpus removed by shipped rules of each ``lang``.

    python benchmarks/cruft_languages.py       # needs py3langid (in cleancorpus[test]) and inscriptis
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _data  # noqa: E402
from cruft_quality import naive_recurrence  # noqa: E402

import cleancorpus  # noqa: E402
from cleancorpus import Document, LineRemoval, remove_cruft  # noqa: E402
from cleancorpus.cruft.rules import shipped_rules  # noqa: E402


def language_of(text: str) -> str:
    import py3langid

    return py3langid.classify(text[:3000])[0] if text.strip() else "-"


def main() -> None:
    pages = _data.load_aeb()
    golds = [p["gold"] for p in pages]
    sites = [p["site"] for p in pages]
    keys = [p["key"] for p in pages]
    languages = [language_of(g) for g in golds]
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, lang in enumerate(languages):
        if lang != "en":
            by_language[lang].append(index)
    rule_lang = {rule.id: rule.lang or "any" for rule in shipped_rules()}
    results: dict[str, list[str]] = {}
    rule_hits: dict[str, Counter] = defaultdict(Counter)
    for method in ("trafilatura-nocomments", "plain"):
        texts = _data.extracted("article-extraction", pages, method)
        results[method] = texts
        results[method + " + naive"] = naive_recurrence(texts, sites)
        cleaned = remove_cruft([Document(id=k, text=t, source=s) for k, t, s in zip(keys, texts, sites)])
        results[method + " + cleancorpus"] = [d.text for d in cleaned]
        if method == "plain":
            for index, doc in enumerate(cleaned):
                for record in doc.records_of(LineRemoval):
                    lang = rule_lang.get(record.rule, "")
                    if lang:
                        rule_hits[languages[index]][lang] += 1
    texts, _ = _data.extracted_with_templates("article-extraction", pages)
    results["trafilatura-nocomments, site templates + cleancorpus"] = [d.text for d in remove_cruft(
        [Document(id=k, text=t, source=s) for k, t, s in zip(keys, texts, sites)])]

    print(f"cleancorpus {cleancorpus.__version__}; article-extraction pages not in English, by the gold's language "
          f"(py3langid); metric as cruft_quality.py, macro over the language's pages")
    print("| language | pages (sites) | text | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    for lang in sorted(by_language):
        chosen = by_language[lang]
        shown = f"{len(chosen)} ({len({sites[i] for i in chosen})})"
        for method, texts in results.items():
            p, r, f = _data.prf([golds[i] for i in chosen], [texts[i] for i in chosen])
            print(f"| {lang} | {shown} | {method} | {p:.3f} | {r:.3f} | {f:.3f} |")
    chosen = [i for idx in by_language.values() for i in idx]
    for method, texts in results.items():
        p, r, f = _data.prf([golds[i] for i in chosen], [texts[i] for i in chosen])
        print(f"| all not English | {len(chosen)} | {method} | {p:.3f} | {r:.3f} | {f:.3f} |")
    print()
    print("lines removed from the plain text by shipped rules, by the page's language and the rule's ('any':"
          " the English and language-free rules):")
    for lang in sorted(by_language):
        print(f"  {lang}: {dict(rule_hits[lang]) or 'none'}")


if __name__ == "__main__":
    main()
