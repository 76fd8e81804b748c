"""Markdown in, sanitised HTML out.

Posts are written in Markdown and stored twice: as written (``Post.body``, for editing) and as
HTML rendered once at write time (``Post.body_html``), so a thread of 300 posts costs no
rendering on read. Two layers keep scripts out: markdown-it-py with raw HTML switched off
escapes anything that looks like a tag, and nh3 (ammonia) then keeps only an allow-list of
tags, attributes and URL schemes, whatever the Markdown layer produced.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# A hashtag starts with a letter, then letters, digits, "_" or "-"; at most 60 characters to
# fit ``Post.hashtags``. ``#1`` (an issue number, a list position) is not a tag.
HASHTAG_RE = re.compile(r"[^\W\d_][\w-]{0,59}")
# A tag begins a word: "C#", "a#b" and "page/#anchor" are not tags.
_BEFORE_TAG = set(" \t\n([{'\"")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_CLASSES = {"a": {"hashtag"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


@dataclass(frozen=True)
class RenderedPost:
    html: str
    hashtags: list[str] = field(default_factory=list)


def normalise_tag(tag: str) -> str:
    """Tags are matched case-insensitively: #Behaviour and #behaviour are one conversation."""
    return tag.lstrip("#").strip().rstrip("-").lower()[:60]


def _hashtag_rule(state: StateInline, silent: bool) -> bool:
    """``#tag`` → a link to the tag's search, from ``env["tag_url"]`` (no link without one)."""
    tag_url: Callable[[str], str] | None = state.env.get("tag_url")
    pos = state.pos
    src = state.src
    if tag_url is None or src[pos] != "#" or state.linkLevel > 0:
        return False
    if pos > 0 and src[pos - 1] not in _BEFORE_TAG:
        return False
    match = HASHTAG_RE.match(src, pos + 1)
    if not match:
        return False
    raw = match.group(0).rstrip("-")
    tag = normalise_tag(raw)
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": tag_url(tag), "class": "hashtag"}
        token.markup = "hashtag"
        text = state.push("text", "", 0)
        text.content = "#" + raw
        state.push("link_close", "a", -1)
        tags = state.env.setdefault("hashtags", [])
        if tag not in tags:
            tags.append(tag)
    state.pos = pos + 1 + len(raw)
    return True


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("newline", "hashtag", _hashtag_rule)
    return md


# Built once: the parser is stateless between calls (per-call state lives in ``env``).
_MARKDOWN = _build()


def sanitise(html: str) -> str:
    """The last word on what reaches a browser, whatever produced ``html``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_post(body: str, *, tag_url: Callable[[str], str]) -> RenderedPost:
    """Render a post's Markdown; ``tag_url(tag)`` gives the tag search link for a hashtag."""
    env: dict = {"tag_url": tag_url}
    html = _MARKDOWN.render(body, env)
    return RenderedPost(html=sanitise(html), hashtags=list(env.get("hashtags", [])))


def render_markdown(text: str) -> str:
    """Markdown without hashtag links (scenario solutions, feedback, reflections), sanitised."""
    return sanitise(_MARKDOWN.render(text or "", {}))


def excerpt(body_html: str, length: int = 160) -> str:
    """A plain-text opening of a post from its stored, sanitised HTML (activity streams and
    notifications): no Markdown is rendered again."""
    text = " ".join(html.unescape(nh3.clean(body_html, tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
