"""Property tests: whatever the input, the command line ends with exit 0, 1 or 2 and a
message, never a traceback; and every line the cruft stage removes is recorded.

Inputs: random bytes as files, random Unicode (unpaired surrogates included) in JSON Lines
text and ids, random JSON values per line, and random configuration values. Kept to a
few dozen examples each so the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleancorpus import CruftRemover, Document, LineRemoval
from cleancorpus.cli import main
from cleancorpus.document import SOURCE_LINES

SETTINGS = settings(max_examples=int(__import__("os").environ.get("CC_EXAMPLES", "25")), deadline=None, suppress_health_check=list(HealthCheck))


def run_main(*args: str) -> tuple[int, str]:
    """Run the CLI in this process; any exception escaping it fails the property."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, err.getvalue()


@contextlib.contextmanager
def folder():
    path = Path(tempfile.mkdtemp(prefix="cc-prop-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def assert_clean_exit(code: int, err: str) -> None:
    assert code in (0, 1, 2), code
    assert "Traceback" not in err


@SETTINGS
@given(st.lists(st.binary(max_size=600), min_size=1, max_size=4))
def test_random_bytes_as_files(contents: list[bytes]) -> None:
    with folder() as root:
        corpus = root / "c"
        corpus.mkdir()
        for i, data in enumerate(contents):
            (corpus / f"{i}.txt").write_bytes(data)
        (corpus / "ok.txt").write_text("A plain sentence about the harbour and the council vote.\n")
        assert_clean_exit(*run_main("normalize", corpus, "-o", root / "out", "-q", "--isolated", "--jobs", "1"))
        assert_clean_exit(*run_main("check", corpus, "--no-cache", "--isolated"))


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                            max_leaves=6)


@SETTINGS
@given(st.lists(st.one_of(
    st.fixed_dictionaries({"id": st.text(max_size=40), "text": st.text(max_size=300)}),
    st.dictionaries(st.text(max_size=8), _json_values, max_size=4),
    _json_values), min_size=1, max_size=6), st.sampled_from(["jsonl", "files"]))
def test_random_json_lines_and_ids(rows: list, output_format: str) -> None:
    with folder() as root:
        src = root / "c.jsonl"
        # ensure_ascii=True spells unpaired surrogates as JSON escapes, as a real producer would
        src.write_text("".join(json.dumps(r, ensure_ascii=True) + "\n" for r in rows) + "{broken\n")
        assert_clean_exit(*run_main("normalize", src, "-o", root / "out", "-q", "--isolated", "--format",
                                    output_format, "--jobs", "1"))
        assert_clean_exit(*run_main("check", src, "--no-cache", "--isolated", "--format", "junit"))
        assert_clean_exit(*run_main("dedup", src, "--json", "--isolated", "--jobs", "1"))


_config_values = st.one_of(st.integers(min_value=-10**6, max_value=10**6), st.floats(allow_nan=False),
                           st.text(max_size=10), st.booleans(), st.lists(st.integers(), max_size=2))
_keys = [("read", "text_field"), ("read", "max_document_bytes"), ("cruft", "min_docs"), ("cruft", "min_share"),
         ("cruft", "rule_timeout"), ("names", "discovery_min_score"), ("dedup", "threshold"),
         ("dedup", "containment"), ("dedup", "num_perm"), ("dedup", "shingle_size"), ("dedup", "seed"),
         ("dedup", "method"), ("dedup", "representative"), ("check", "min_words"), ("check", "max_cruft_share"),
         ("check", "language"), ("check", "select")]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "0.5"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return json.dumps(value)


@SETTINGS
@given(st.sampled_from(_keys), _config_values)
def test_random_configuration_values(key: tuple[str, str], value) -> None:
    with folder() as root:
        corpus = root / "c"
        corpus.mkdir()
        (corpus / "a.txt").write_text("A plain sentence about the harbour and the council vote.\n")
        (root / "cleancorpus.toml").write_text(f"[{key[0]}]\n{key[1]} = {_toml_value(value)}\n")
        for args in (("normalize", corpus, "-o", root / "out", "-q", "--jobs", "1"), ("check", corpus, "--no-cache")):
            code, err = run_main(*args)
            assert_clean_exit(code, err)
            if code == 2:
                assert "cleancorpus: error:" in err


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=30),
       st.lists(st.sampled_from(["Share This Article", "3 Min Read", "1 Comment", "Leave a Reply", "XS", "SM",
                                 "top of page", ""]), max_size=10), st.randoms())
def test_every_removed_line_is_recorded(lines: list[str], cruft: list[str], rnd) -> None:
    mixed = lines + cruft
    rnd.shuffle(mixed)
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in mixed)
    docs = [Document(f"d{i}", text if i == 0 else "\n".join(mixed[i:])) for i in range(3)]
    remover = CruftRemover().fit(docs)
    for doc in docs:
        cleaned = remover.apply(doc)
        original = doc.text.split("\n")
        kept = set(n - 1 for n in cleaned.meta.get(SOURCE_LINES, range(1, len(original) + 1)))
        recorded = {r.line - 1: r for r in cleaned.records_of(LineRemoval)}
        for index, line in enumerate(original):
            if index in kept:
                assert index not in recorded
            elif line.strip():  # a non-blank line that is gone must have its record
                assert index in recorded and recorded[index].text == line.strip()
        assert "\n".join(original[i] for i in sorted(kept)) == cleaned.text
