"""Reading and writing corpora.

- :mod:`.readers`: folders, files, JSON Lines and Parquet shards, ``.gz``/``.zst``, stdin,
  as a lazy stream of :class:`~cleancorpus.document.Document`; a file that cannot be
  read becomes a :class:`ReadProblem` and the stream goes on.
- :mod:`.kinds`: what a read is: kinds of input, :class:`ReadOptions`, problems, sources.
- :mod:`.pages`: single text and HTML files (decoding; trafilatura after the site template).
- :mod:`.shards`: record sinks for sharded output.
- :mod:`.writers`: mirrored files or one JSON Lines file, with a manifest so that only
  files cleancorpus wrote are ever replaced.
- :mod:`.atomic`: every write is atomic and keeps the replaced file's mode.
"""

import os  # noqa: F401  (tests simulate a full disk through ``cleancorpus.io.os.replace``)

from .atomic import atomic_open, atomic_write_bytes, new_file_mode
from .readers import (DIRECTORY_SUFFIXES, HTML_SUFFIXES, JSONL_SUFFIXES, STDIN, TEXT_SUFFIXES, CorpusError,
                      ReadOptions, ReadProblem, content_hash, decode_text, extract_html, host_of,
                      is_jsonl_input, leads_outside, list_corpus_files, read_corpus)
from .records import DUPLICATE_FIELD, document_to_json
from .writers import (MANIFEST, REPORT_NAME, OutputFolder, WriteSummary, check_output_location, default_output,
                      output_relative_path, plan_output_names, write_corpus,
                      write_files, write_jsonl, write_records_file)

__all__ = [
    "DIRECTORY_SUFFIXES", "HTML_SUFFIXES", "JSONL_SUFFIXES", "MANIFEST", "REPORT_NAME", "STDIN", "TEXT_SUFFIXES",
    "DUPLICATE_FIELD", "CorpusError", "OutputFolder", "ReadOptions", "ReadProblem", "WriteSummary", "atomic_open",
    "atomic_write_bytes", "check_output_location", "content_hash", "decode_text", "default_output",
    "document_to_json", "extract_html", "host_of", "is_jsonl_input", "leads_outside",
    "list_corpus_files", "new_file_mode", "output_relative_path", "plan_output_names", "read_corpus",
    "write_corpus", "write_files", "write_jsonl", "write_records_file",
]
