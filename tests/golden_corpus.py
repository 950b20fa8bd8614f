"""A corpus built for golden-output tests: every stage has work to do on it.

Deterministic (seeded), so its outputs can be recorded once (``tests/golden/``) and any
later change that alters an output, when it was meant only to be faster, fails a test.
Regenerate the recording only for a change that alters outputs on purpose::

    python tests/golden_corpus.py --record
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conftest import prose  # noqa: E402

GOLDEN = HERE / "golden" / "pipeline.json"
SITE_CRUFT = {
    "daily": ["Follow the Daily on Mastodon", "Sign up for our morning briefing", "3 Min Read"],
    "wire": ["Share This Article", "Advertisement", "Reporting by the desk; editing by staff"],
    "blog": ["Posted in Uncategorized", "Leave a Reply", "Your email address will not be published."],
}
NAMES = ["Pashinian", "Aliev", "Kocharian", "Qaddafi", "Zelenskyy"]


def build_rows(count: int = 240) -> list[dict]:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        source = list(SITE_CRUFT)[i % 3]
        paragraphs = [prose(i * 13 + k, rng.randint(2, 5)) for k in range(rng.randint(3, 8))]
        if i % 5 == 0:
            paragraphs.insert(1, f"Officials said {rng.choice(NAMES)} met the council on Tuesday.")
        lines = [f"Headline number {i} about the harbour", ""] + [x for p in paragraphs for x in (p, "")]
        lines += [c for c in SITE_CRUFT[source] if rng.random() < 0.8]
        if i % 11 == 0:
            lines += ["", "2 Comments", "", "Jane says:", "", "March 3, 2024 at 5:12 pm", "",
                      "I do not agree with this at all.", "", "Bob says:", "", "March 4, 2024 at 6:00 am", "",
                      "Nor do I, frankly."]
        if i % 17 == 0:
            lines.insert(2, lines[0])  # a title printed twice
        rows.append({"id": f"{source}/{i:03d}", "source": source, "text": "\n".join(lines)})
    for i in range(0, count, 23):  # reprints: a copy with a line changed
        copy = dict(rows[i])
        copy["id"] = rows[i]["id"] + "-reprint"
        copy["text"] = rows[i]["text"].replace("Headline", "Updated headline")
        rows.append(copy)
    return rows


def outputs(rows: list[dict]) -> dict:
    """What the golden test compares: per document the cleaned text's digest and every
    record; the clusters."""
    from cleancorpus import Document, DuplicateOf, LineRemoval, Pipeline, Settings, WordChange
    from cleancorpus.dedup import DedupSettings

    docs = [Document(r["id"], r["text"], r["source"]) for r in rows]
    pipeline = Pipeline(Settings(dedup=DedupSettings()))
    result = {}
    for doc in pipeline.run(docs):
        result[doc.id] = {
            "text_sha256": hashlib.sha256(doc.text.encode()).hexdigest(),
            "removed": [[r.line, r.rule, r.detail] for r in doc.records_of(LineRemoval)],
            "changed": [[c.line, c.offset, c.old, c.new, c.entry] for c in doc.records_of(WordChange)],
            "duplicate_of": [[d.representative, round(d.jaccard, 6), round(d.containment, 6)]
                             for d in doc.records_of(DuplicateOf)],
        }
    return result


if __name__ == "__main__":
    if "--record" in sys.argv:
        sys.path.insert(0, str(HERE.parent))
        GOLDEN.write_text(json.dumps(outputs(build_rows()), indent=0, sort_keys=True) + "\n")
        print(f"recorded {GOLDEN}")
