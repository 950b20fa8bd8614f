"""``cleancorpus check``: the corpus linter. The same stages as ``normalize``, turned into findings.

Every finding has a stable code (see :mod:`.codes`), a path, a line where one applies,
and a message. ``check`` never writes the corpus unless ``--fix`` is given, and then
changes only what it reported (:mod:`.fix`). The package:

- :mod:`.codes`: the codes, :class:`Finding`, :class:`CheckResult`, selection;
- :mod:`.findings`: findings of one document;
- :mod:`.stage`: the check as one stage of the engines' plan (findings made in the workers);
- :mod:`.run`: :func:`check_corpus`;
- :mod:`.fix`: fix plans, byte-preserving JSON Lines rewrites, the resumable journal;
- :mod:`.formats`: text, JSON, GitHub and JUnit output;
- :mod:`.baseline`: recording and reading baselines;
- :mod:`.cache`: the content-keyed cache (data only, never pickles).
"""

from .baseline import baseline_of, load_baseline
from .codes import CODES, OPT_IN, CheckResult, Finding, expand_codes, selected_codes
from .formats import FORMATS, format_github, format_json, format_junit, format_text
from .run import check_corpus

__all__ = ["CODES", "FORMATS", "OPT_IN", "CheckResult", "Finding", "baseline_of", "check_corpus", "expand_codes",
           "format_github", "format_json", "format_junit", "format_text", "load_baseline", "selected_codes"]
