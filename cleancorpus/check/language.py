"""CC404's language identification: py3langid, loaded once, asked only when it can tell.

Its own module (imported by the configuration's validation of ``check.language`` and by
the findings) so that neither needs the other.
"""

from __future__ import annotations

from itertools import islice

import regex

from ..errors import ConfigError

_WORDS = regex.compile(r"\p{L}+")
#: CC404 judges only documents of at least this many words (below it, a language cannot be
#: told reliably: such a document is never called "not in the language")...
LANGUAGE_MIN_WORDS = 20
#: ...and only when the identifier is at least this sure of another language.
LANGUAGE_CONFIDENCE = 0.95

_IDENTIFIER = None


def identifier():
    """py3langid's identifier with probabilities normalized to [0, 1] (loaded once).

    py3langid (langid.py's maintained fork, the identifier trafilatura itself uses): 97 to
    142 languages by version, a model of a few MB, about a millisecond a document. lingua is more accurate
    on a tweet-length snippet, but is a package of over 100 MB, and CC404 never judges
    snippets (``LANGUAGE_MIN_WORDS``), where an n-gram model is reliable.
    """
    global _IDENTIFIER
    if _IDENTIFIER is None:
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError:
            raise ConfigError("--language needs the language identifier: pip install 'cleancorpus[lang]'") from None
        load = getattr(LanguageIdentifier, "from_model_file", None) or LanguageIdentifier.from_pickled_model  # <0.3
        _IDENTIFIER = load(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def supported_languages() -> tuple[str, ...]:
    """The ISO 639-1 codes ``check --language`` accepts (those py3langid identifies)."""
    return tuple(sorted(set(identifier().nb_classes)))


def language_mismatch(text: str, language: str) -> bool:
    """Whether ``text`` is clearly not in ``language``: long enough to tell
    (``LANGUAGE_MIN_WORDS``) and identified as another language with at least
    ``LANGUAGE_CONFIDENCE``. A text too short, or one the identifier is unsure of, is not."""
    if sum(1 for _ in islice(_WORDS.finditer(text), LANGUAGE_MIN_WORDS)) < LANGUAGE_MIN_WORDS:
        return False
    found, confidence = identifier().classify(text[:20000])
    return found != language and confidence >= LANGUAGE_CONFIDENCE
