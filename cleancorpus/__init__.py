"""cleancorpus: turn a messy, scraped news corpus into a clean one.

Stages compose as plain functions over iterables of :class:`Document`:

>>> import cleancorpus
>>> docs = list(cleancorpus.read_corpus("seeds"))                       # doctest: +SKIP
>>> clean = list(cleancorpus.Pipeline().run(docs))                      # doctest: +SKIP
>>> cleancorpus.write_corpus(clean, "seeds-clean")                      # doctest: +SKIP

Or one stage alone: :func:`remove_cruft`, :func:`normalize_names`, :func:`find_duplicates`.
"""

from .version import __version__
from .adapters import MissingExtra, from_arrow, from_pandas, from_records, to_arrow, to_pandas, to_records
from .config import ConfigError, Settings, discover_settings, load_settings
from .cruft import CruftRemover, CruftSettings, remove_cruft
from .dedup import DedupResult, DedupSettings, NearDuplicateDetector, find_duplicates
from .document import Document, DuplicateOf, LineRemoval, WordChange
from .io import CorpusError, ReadOptions, ReadProblem, read_corpus, write_corpus
from .names import NameNormalizer, NameSettings, normalize_names
from .pipeline import Pipeline, normalize_corpus, run_stages

__all__ = [
    "ConfigError", "CorpusError", "MissingExtra", "from_arrow", "from_pandas", "from_records", "to_arrow",
    "to_pandas", "to_records", "CruftRemover", "CruftSettings", "DedupResult", "DedupSettings", "Document",
    "DuplicateOf", "LineRemoval", "NameNormalizer", "NameSettings", "NearDuplicateDetector", "Pipeline",
    "ReadOptions", "ReadProblem", "Settings", "WordChange", "__version__", "discover_settings", "find_duplicates",
    "load_settings", "normalize_corpus", "normalize_names", "read_corpus", "remove_cruft", "run_stages",
    "write_corpus",
]
