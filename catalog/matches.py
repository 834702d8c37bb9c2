"""Why a product matched a search, and whether the reader already has access: shown on every result.

``annotate_results`` sets on each product of a page:

- ``match``: the field that matched (summary, column, documentation, tags, name) and a fragment of it with the
  searched words in ``<mark>`` (HTML-escaped otherwise). Computed in Python on the page's 20 products from the
  text the search matched, in one query for the deferred documentation and column text; the words are matched as
  prefixes of their stems, as the search does ("orders" marks "order", "cust" marks "customer_id").
- ``access``: ``"granted"`` (an active grant), ``"pending"`` (a request waiting) or ``""``. The catalog cannot see
  access requests (a higher layer): they register ``access_badges`` (``register_access_badges``) in their
  ``AppConfig.ready()``; one call per page, whatever its size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.models import DataProduct
from catalog.search import content_words

FRAGMENT_CHARS = 160
MAX_WORDS = 8


@dataclass(frozen=True)
class Match:
    field: str  # "summary", "column", "documentation", "tags" or "name"
    fragment: SafeString  # HTML: escaped text, the matched words in <mark>
    column: str = ""  # the column that matched


# (user, product ids) -> {product id: "granted" | "pending"}
AccessBadges = Callable[[Any, list[int]], dict[int, str]]
_access_badges: AccessBadges | None = None


def register_access_badges(badges: AccessBadges) -> None:
    global _access_badges  # noqa: PLW0603  # a registry set once, in AppConfig.ready()
    _access_badges = badges


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def word_pattern(q: str) -> re.Pattern[str] | None:
    """Each content word of ``q`` as the start of a word (its stem, then any letters)."""
    words = sorted({_stem(w) for w in content_words(q)[:MAX_WORDS]}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str]) -> SafeString:
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out += [escape(text[last : m.start()]), "<mark>", escape(m.group(0)), "</mark>"]
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308  # every piece of text is escaped above


def fragment(text: str, pattern: re.Pattern[str]) -> SafeString | None:
    """About ``FRAGMENT_CHARS`` characters of ``text`` around its first match, highlighted; None without one."""
    text = " ".join(text.split())
    m = pattern.search(text)
    if m is None:
        return None
    start = max(0, m.start() - FRAGMENT_CHARS // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    stop = min(len(text), start + FRAGMENT_CHARS)
    piece = highlight(text[start:stop], pattern)
    return mark_safe(("… " if start else "") + piece + (" …" if stop < len(text) else ""))  # noqa: S308


def _column_match(column_text: str, pattern: re.Pattern[str]) -> Match | None:
    # column_text holds one line per column: "name name-in-words description" (search.column_text_for).
    for line in column_text.splitlines():
        name, _, rest = line.partition(" ")
        if pattern.search(name) or pattern.search(rest):
            shown = f"{name}: {rest.split(' ', name.count('_') + 1)[-1]}" if rest.count(" ") > name.count("_") else name
            return Match("column", highlight(shown, pattern), column=name)
    return None


def match_of(product: DataProduct, pattern: re.Pattern[str], documentation: str, column_text: str) -> Match | None:
    summary = fragment(product.summary, pattern)
    if summary is not None:
        return Match("summary", summary)
    column = _column_match(column_text, pattern)
    if column is not None:
        return column
    docs = fragment(documentation, pattern)
    if docs is not None:
        return Match("documentation", docs)
    tags = [t for t in getattr(product, "tag_names", []) if pattern.search(t)]
    if tags:
        return Match("tags", highlight(" ".join(tags), pattern))
    if pattern.search(product.name):
        return Match("name", highlight(product.name, pattern))
    return None


def highlight_query(filterset: Any) -> str:
    """The words to mark on a page of ``ProductFilter`` results: the query, and its correction when there is one."""
    q = filterset.form.cleaned_data.get("q") or ""
    spelling = filterset.spelling
    return f"{q} {spelling.corrected}" if spelling is not None and spelling.corrected else q


def annotate_results(*, user: Any, products: Sequence[DataProduct], q: str) -> None:
    """Set ``match`` and ``access`` on each product of a page: at most one query each, whatever the page's size."""
    ids = [p.pk for p in products]
    badges = _access_badges(user, ids) if _access_badges is not None and ids else {}
    pattern = word_pattern(q) if q else None
    texts: dict[int, tuple[str, str]] = {}
    if pattern is not None and ids:
        texts = {
            pk: (documentation, column_text)
            for pk, documentation, column_text in DataProduct.objects.filter(pk__in=ids).values_list(
                "pk", "documentation", "column_text"
            )
        }
    for product in products:
        product.access = badges.get(product.pk, "")  # type: ignore[attr-defined]
        documentation, column_text = texts.get(product.pk, ("", ""))
        product.match = (  # type: ignore[attr-defined]
            match_of(product, pattern, documentation, column_text) if pattern is not None else None
        )
