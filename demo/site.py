"""The demo site's pages, built through the page tree API (never fixtures of primary keys)."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Page, Site

from cms.models import HomePage

INTRODUCTION = (
    "Staffroom is where newly qualified teachers and masters students meet their tutors and "
    "each other: to read, ask, and solve real teaching problems together."
)
BODY = (
    "<p>Induction and masters modules run here as cohorts. Each cohort has its own boards, "
    "visible only to its members and tutors, and a private place to ask a tutor anything.</p>"
    "<p>You can edit or take back what you write for a while after posting, and replies "
    "appear as they are written.</p>"
)


@transaction.atomic
def seed_home_page() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(
            title="Welcome to Staffroom",
            slug="staffroom-home",
            introduction=INTRODUCTION,
            body=BODY,
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="Staffroom",
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "Staffroom"
        site.save()
        # Wagtail's default "Welcome to your new Wagtail site!" page has no further use.
        if old_root.specific_class is Page and old_root.depth == 2:
            old_root.delete()
    return home
