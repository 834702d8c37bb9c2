"""Close spellings: the catalog's vocabulary (``SearchTerm``) and corrections of the words a search finds little for.

A word of the query that finds at most ``LITTLE`` products is looked up among the catalog's words: on PostgreSQL
through ``pg_trgm`` (a trigram GIN index, migration 0009), elsewhere with ``difflib`` over the whole vocabulary
(development databases are small). The candidates are ranked the same way on both, by ``difflib``'s similarity
ratio, so both databases suggest the same words. The filter set (catalog/filtersets.py) decides whether the
corrected query finds more, and then shows its results after the few exact matches.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity

from catalog.models import SearchTerm
from catalog.search import STOP_WORDS, is_postgres

# A search finding at most this many products also tries close spellings of its words.
LITTLE = 2
# Shorter words have too many close neighbours to correct them blindly.
MIN_WORD_LENGTH = 4
# At most this many words of a query are looked up (one vocabulary query each).
MAX_WORDS = 4
# Candidates read from the trigram index before ranking them.
CANDIDATES = 20
# The least difflib ratio for a suggestion (custmer/customer 0.93, invocie/invoice 0.86).
MIN_RATIO = 0.75
# A word of a query that may be corrected: letters only, not negated, not inside a quoted phrase (checked apart).
_QUERY_WORD = re.compile(r"(?<![\w\-\"])([^\W\d_]+)(?![\w\"])")


def close_terms(word: str, *, limit: int = 3) -> list[str]:
    """Catalog words spelled like ``word`` (not ``word`` itself), closest first."""
    word = word.lower()
    if is_postgres():
        candidates = list(
            SearchTerm.objects.filter(term__trigram_similar=word)
            .exclude(term=word)
            .annotate(similarity=TrigramSimilarity("term", word))
            .order_by("-similarity", "term")
            .values_list("term", flat=True)[:CANDIDATES]
        )
    else:
        candidates = [t for t in SearchTerm.objects.values_list("term", flat=True) if t != word]

    def ratio(term: str) -> float:
        return difflib.SequenceMatcher(None, word, term).ratio()

    ranked = sorted((t for t in candidates if ratio(t) >= MIN_RATIO), key=lambda t: (-ratio(t), len(t), t))
    return ranked[:limit]


@dataclass(frozen=True)
class Spelling:
    """What the search did about spelling. ``corrected``: the query whose results are shown after the exact
    matches of ``original`` ("Showing results for ..."); ``suggestions``: other spellings worth a try."""

    original: str
    corrected: str = ""
    suggestions: list[str] = field(default_factory=list)


def correctable_words(q: str) -> list[str]:
    """The words of ``q`` a correction may replace: outside quotes, not negated, not stop words nor ``or``."""
    outside_quotes = re.sub(r'"[^"]*"?', " ", q)
    words = [w for w in _QUERY_WORD.findall(outside_quotes) if len(w) >= MIN_WORD_LENGTH]
    return [w for w in dict.fromkeys(words) if w.lower() not in STOP_WORDS][:MAX_WORDS]


def corrections(q: str, *, finds_little: Callable[[str], bool]) -> list[str]:
    """Queries like ``q`` with its misspelled words respelled: first every such word's closest spelling at once,
    then each one's close spellings alone. Empty when no such word has a close spelling.

    The misspelled words are those the vocabulary does not hold; when it holds them all, those that find little
    (``finds_little``): a rare word spelled as the catalog spells it is respelled only when nothing else is wrong.
    """
    words = correctable_words(q)
    known = set(SearchTerm.objects.filter(term__in=[w.lower() for w in words]).values_list("term", flat=True))
    suspects = [w for w in words if w.lower() not in known] or [w for w in words if finds_little(w)]
    best: dict[str, list[str]] = {}
    for word in suspects:
        close = close_terms(word)
        if close:
            best[word] = close
    if not best:
        return []

    def replace(text: str, word: str, term: str) -> str:
        return re.sub(rf"(?<![\w\-]){re.escape(word)}(?!\w)", term, text)

    everything = q
    for word, close in best.items():
        everything = replace(everything, word, close[0])
    out = [everything]
    for word, close in best.items():
        out += [replace(q, word, term) for term in close]
    return list(dict.fromkeys(x for x in out if x != q))
