"""Product documentation: Markdown rendered to HTML, then sanitised with nh3 (an allow-list of tags and
attributes), so producers cannot inject scripts, event handlers or ``javascript:`` links into the page.

Images come from the portal itself (a path such as ``/static/…`` or a relative one) or from a ``data:image/`` URL:
an external image would tell its host who read which product and when (a tracking pixel), and the
Content-Security-Policy (``img-src 'self' data:``) would refuse it anyway. Its ``src`` is dropped; the alt
text stays."""

from __future__ import annotations

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
# "data" for images only: links to data: URLs are dropped by _keep_attribute.
URL_SCHEMES = {"http", "https", "mailto", "data"}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _same_origin_or_data_image(url: str) -> bool:
    url = url.strip()
    if url.lower().startswith("data:image/"):
        return True
    # Another scheme (http:, https:, …) or another host (//host, and /\host, which browsers read the same way).
    return not (_SCHEME.match(url) or url.startswith(("//", "/\\", "\\")))


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _same_origin_or_data_image(value) else None
    if attribute == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``; the result may be marked safe in templates."""
    if not text:
        return ""
    html = md.markdown(text, extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer nofollow",
    )
