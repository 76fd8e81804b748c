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
# ``@username`` (Django's username characters but ``@``); a trailing "." ends the sentence.
MENTION_RE = re.compile(r"[\w.+-]{1,150}")
# At most this many people are mentioned in one post; further ``@names`` stay plain text.
MAX_MENTIONS = 10
# A tag begins a word: "C#", "a#b" and "page/#anchor" are not tags.
_BEFORE_TAG = set(" \t\n([{'\"")

ALLOWED_TAGS = {
    "a",
    "img",
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
    "mark",
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
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_CLASSES = {"a": {"hashtag"}, "mark": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"
# The only images a post shows: its own attachments, served by Staffroom after a check
# (``boards.views.attachment``). Anything else in ``![alt](src)`` is not loaded: an outside
# image would tell its server who read the post, and when.
ATTACHMENT_SRC_RE = re.compile(r"^(?:https?://[^/]+)?/attachments/(\d+)/[\w.\- ]+$")
EXTERNAL_IMAGE_NOTE = "image not shown"


@dataclass(frozen=True)
class ShownImage:
    """An attachment a post may show inline: its URL and its size in pixels."""

    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class RenderedPost:
    html: str
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)  # usernames, as in ``mentionable``


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


def mention_candidates(body: str) -> set[str]:
    """Every ``@word`` of ``body``, lower-cased: whom a post may mention, to look up before
    rendering (a superset: code spans and links are left out only by the renderer)."""
    found = set()
    for match in re.finditer(r"@([\w.+-]{1,150})", body or ""):
        found.add(match.group(1).rstrip(".-").lower())
    return found


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """``@username`` of someone in ``env["mentionable"]`` (lower-cased username → shown name)
    → ``<mark class="mention">@Shown name</mark>``: the first ``MAX_MENTIONS`` people only."""
    mentionable: dict[str, str] | None = state.env.get("mentionable")
    pos = state.pos
    src = state.src
    if not mentionable or src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and src[pos - 1] not in _BEFORE_TAG:
        return False
    match = MENTION_RE.match(src, pos + 1)
    if not match:
        return False
    raw = match.group(0).rstrip(".-")
    username = raw.lower()
    mentioned = state.env.setdefault("mentions", [])
    if username not in mentionable or (
        username not in mentioned and len(mentioned) >= MAX_MENTIONS
    ):
        return False
    if not silent:
        token = state.push("mention_open", "mark", 1)
        token.attrs = {"class": "mention"}
        text = state.push("text", "", 0)
        text.content = "@" + mentionable[username]
        state.push("mention_close", "mark", -1)
        if username not in mentioned:
            mentioned.append(username)
    state.pos = pos + 1 + len(raw)
    return True


def _image(self, tokens, idx, options, env) -> str:
    """``![alt](src)``: an ``<img>`` only for one of the post's own attachments
    (``env["images"]``: attachment id → ``ShownImage``); anything else becomes a link saying
    the image is not shown (never a request to another server)."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env)
    images: dict[int, ShownImage] = env.get("images") or {}
    match = ATTACHMENT_SRC_RE.match(src)
    shown = images.get(int(match.group(1))) if match else None
    if shown is not None:
        size = ""
        if shown.width and shown.height:
            size = f' width="{shown.width}" height="{shown.height}"'
        return f'<img src="{html.escape(shown.url)}" alt="{html.escape(alt)}"{size} loading="lazy">'
    label = f"{alt} ({EXTERNAL_IMAGE_NOTE})" if alt else EXTERNAL_IMAGE_NOTE.capitalize()
    return f'<a href="{html.escape(src)}">{html.escape(label)}</a>'


def _keep_attachment_images(element: str, attribute: str, value: str) -> str | None:
    """nh3's last word on images: an ``<img>`` keeps its ``src`` only when it is an
    attachment's address (without one it shows nothing)."""
    if element == "img" and attribute == "src":
        return value if ATTACHMENT_SRC_RE.match(value) else None
    return value


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.add_render_rule("image", _image)
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("newline", "hashtag", _hashtag_rule)
    md.inline.ruler.before("newline", "mention", _mention_rule)
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
        attribute_filter=_keep_attachment_images,
    )


def render_post(
    body: str,
    *,
    tag_url: Callable[[str], str],
    mentionable: dict[str, str] | None = None,
    images: dict[int, ShownImage] | None = None,
) -> RenderedPost:
    """Render a post's Markdown; ``tag_url(tag)`` gives the tag search link for a hashtag,
    ``mentionable`` (lower-cased username → shown name) who an ``@username`` may mention, and
    ``images`` (attachment id → ``ShownImage``) which attachments ``![alt](url)`` may show."""
    env: dict = {"tag_url": tag_url, "mentionable": mentionable or {}, "images": images or {}}
    html = _MARKDOWN.render(body, env)
    return RenderedPost(
        html=sanitise(html),
        hashtags=list(env.get("hashtags", [])),
        mentions=list(env.get("mentions", [])),
    )


def render_markdown(text: str) -> str:
    """Markdown without hashtag links (scenario solutions, feedback, reflections), sanitised."""
    return sanitise(_MARKDOWN.render(text or "", {}))


def excerpt(body_html: str, length: int = 160) -> str:
    """A plain-text opening of a post from its stored, sanitised HTML (activity streams and
    notifications): no Markdown is rendered again."""
    text = " ".join(plain_text(body_html).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def plain_text(body_html: str) -> str:
    """The text a reader sees of stored, sanitised HTML (no tags, entities decoded)."""
    return html.unescape(nh3.clean(body_html or "", tags=set()))
