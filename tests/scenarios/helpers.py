"""Scenario content for tests: a home page, a module and a scenario with every kind of stage."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from wagtail.documents import get_document_model
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import HomePage
from scenarios.models import ModulePage, ScenarioPage
from scenarios.services.permissions import scenarios_collection

VIDEO_URL = "https://www.youtube.com/watch?v=staffroom-demo"
EXPERT_TEXT = "Start with the first five minutes of the lesson"


def make_home() -> HomePage:
    home = HomePage.objects.first()
    if home is not None:
        return home
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = HomePage(title="Staffroom", slug="staffroom-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save()
    return home


def make_module(title: str = "Induction: behaviour and relationships") -> ModulePage:
    home = make_home()
    module = ModulePage(title=title, introduction="<p>Three situations.</p>")
    home.add_child(instance=module)
    module.save_revision().publish()
    return module


def make_document(title: str = "Behaviour policy (extract)"):
    Document = get_document_model()
    document = Document(title=title, collection=scenarios_collection())
    document.file.save(
        "policy.txt", ContentFile(b"4.2 Least intrusive response first."), save=False
    )
    document.save()
    return document


def make_image():
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    image = get_image_model()(title="Seating plan", collection=scenarios_collection())
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="seating.png")
    image.save()
    return image


def cache_embed(url: str = VIDEO_URL) -> Embed:
    """Pre-fill Wagtail's embed cache so rendering never goes to the network."""
    return Embed.objects.update_or_create(
        hash=get_embed_hash(url, None, None),
        defaults={
            "url": url,
            "html": '<iframe title="Clip of the lesson" src="https://example.test/embed"></iframe>',
            "type": "video",
            "provider_name": "Test",
            "thumbnail_url": "",
        },
    )[0]


def full_body(*, document_id: int, image_id: int | None = None) -> list[dict]:
    """A body with every stage and every kind of evidence, in Wagtail's raw JSON form."""
    return [
        {
            "type": "situation",
            "value": {
                "heading": "The situation",
                "text": "<p>9X3 arrive from lunch over <b>eight minutes</b>.</p>",
                "images": [{"image": image_id, "decorative": False, "alt_text": "The seating plan"}]
                if image_id
                else [],
            },
        },
        {
            "type": "voices",
            "value": {
                "heading": "Voices",
                "introduction": "Said this week.",
                "lines": [
                    {"role": "head_of_year", "name": "Ms Brennan", "says": "Follow the policy."},
                    {"role": "pupil", "name": "Jayden", "says": "I only shout out because I know."},
                    {"role": "parent", "name": "", "says": "He was in tears."},
                    {"role": "mentor", "name": "Mr Okafor", "says": "Win the first five minutes."},
                    {"role": "nqt", "name": "Sam", "says": "I've given up on a starter."},
                ],
            },
        },
        {
            "type": "evidence",
            "value": {
                "heading": "Evidence",
                "introduction": "The log and the policy.",
                "items": [
                    {"type": "document", "value": {"document": document_id, "description": "S4"}},
                    {
                        "type": "table",
                        "value": {
                            "caption": "9X3 behaviour log",
                            "columns": [
                                {"type": "text", "heading": "Lesson"},
                                {"type": "number", "heading": "C1 warnings"},
                            ],
                            "rows": [
                                {"values": ["Wednesday period 5", "9"]},
                                {"values": ["Friday period 1", "2"]},
                            ],
                        },
                    },
                    {"type": "media", "value": {"media": VIDEO_URL, "caption": "The lesson"}},
                ],
            },
        },
        {
            "type": "questions",
            "value": {
                "heading": "Questions to consider",
                "questions": ["What does the log tell you?", "Whose voice do you recognise?"],
            },
        },
        {
            "type": "task",
            "value": {
                "heading": "Your group's task",
                "brief": "<p>Plan next Wednesday's lesson.</p>",
                "criteria": ["Specific enough for a colleague to carry out."],
                "word_limit": 500,
            },
        },
        {
            "type": "expert",
            "value": {
                "heading": "An expert perspective",
                "expert_role": "A head of year",
                "perspective": f"<p>{EXPERT_TEXT}.</p>",
            },
        },
    ]


def make_scenario(
    module: ModulePage | None = None,
    *,
    title: str = "Low-level disruption in Year 9 after lunch",
    publish: bool = True,
    with_image: bool = False,
) -> ScenarioPage:
    module = module or ModulePage.objects.first() or make_module()
    document = make_document()
    image = make_image() if with_image else None
    cache_embed()
    scenario = ScenarioPage(
        title=title,
        summary="9X3 fray after lunch.",
        phase=ScenarioPage.Phase.SECONDARY,
        expected_minutes=90,
        body=full_body(document_id=document.pk, image_id=image.pk if image else None),
    )
    scenario.tags.add("behaviour", "routines")
    scenario.live = publish
    module.add_child(instance=scenario)
    revision = scenario.save_revision()
    if publish:
        revision.publish()
    return scenario
