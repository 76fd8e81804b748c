"""Markdown in, sanitised HTML out: a corpus of injection payloads must come out inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from mentoring.core.rendering import excerpt, render_post

XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    '<a href="javascript:window.__xss=1">click</a>',
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)",
    "[click](  javascript:window.__xss=1)",
    "[click](&#106;avascript:window.__xss=1)",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "![x](javascript:window.__xss=1)",
    '![x" onerror="window.__xss=1](https://example.org/x.png)',
    '[x](https://example.org/" onmouseover="window.__xss=1)',
    "<details open ontoggle=window.__xss=1>",
    "<body onload=window.__xss=1>",
    "<style>*{background:url(javascript:window.__xss=1)}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<<script>script>window.__xss=1<</script>/script>",
    "`<script>window.__xss=1</script>`",
    "```html\n<script>window.__xss=1</script>\n```",
    "<object data=javascript:window.__xss=1>",
    "<form action=javascript:window.__xss=1><button>x</button></form>",
    "<input autofocus onfocus=window.__xss=1>",
    '<div style="background:url(javascript:window.__xss=1)">x</div>',
    '#tag" onmouseover="window.__xss=1',
    "#<script>window.__xss=1</script>",
    "<a href='https://example.org' onclick='window.__xss=1'>x</a>",
    "<meta http-equiv=refresh content='0;url=javascript:window.__xss=1'>",
    "<base href=javascript:/>",
    "<!--<img src=x onerror=window.__xss=1>-->",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "[a](<javascript:window.__xss=1>)",
]

ALLOWED_URL_STARTS = ("http://", "https://", "mailto:", "/cohorts/", "#")
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


class Inspector(HTMLParser):
    """Collects every tag and attribute the browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value) for name, value in attrs)


def tag_url(tag: str) -> str:
    return f"/cohorts/1/tags/{tag}/"


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    return inspector


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_injection_payloads_come_out_inert(payload):
    html = render_post(payload, tag_url=tag_url).html
    found = inspect(html)
    assert set(found.tags) <= ALLOWED_TAGS, html
    for _tag, name, value in found.attrs:
        assert not name.startswith("on"), html
        assert name in {"href", "rel", "class", "title", "start", "align"}, html
        if name == "href":
            assert value.startswith(ALLOWED_URL_STARTS), html
            assert "javascript" not in value.lower(), html
        if name == "rel":
            assert value == "nofollow noopener"


def test_links_get_nofollow_noopener():
    html = render_post(
        "[DfE](https://www.gov.uk/dfe) and <https://example.org>", tag_url=tag_url
    ).html
    found = inspect(html)
    rels = [value for tag, name, value in found.attrs if name == "rel"]
    assert rels == ["nofollow noopener", "nofollow noopener"]


def test_hashtags_become_tag_search_links_but_not_in_code_or_words():
    rendered = render_post(
        "#Behaviour matters, C# and a#b are not tags, `#code` either, nor #1; (#seating) is.",
        tag_url=tag_url,
    )
    assert rendered.hashtags == ["behaviour", "seating"]
    assert '<a href="/cohorts/1/tags/behaviour/" class="hashtag" rel="nofollow noopener">' in (
        rendered.html
    )
    assert "<code>#code</code>" in rendered.html
    assert render_post("#a #B #a", tag_url=tag_url).hashtags == ["a", "b"]


def test_markdown_formatting_survives():
    html = render_post("**bold** *em*\n\n- one\n- two\n\n> quote", tag_url=tag_url).html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<ul>" in html and "<blockquote>" in html


def test_excerpt_is_plain_text():
    stored = render_post("**Hi** <b>there</b> & #tag", tag_url=tag_url).html
    assert excerpt(stored, 100) == "Hi <b>there</b> & #tag"
    assert excerpt(render_post("word " * 100, tag_url=tag_url).html, 20).endswith("…")
