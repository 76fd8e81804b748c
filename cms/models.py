"""Wagtail site pages: the home page and plain standard pages, plus site-wide settings."""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import StandardBlocks


class HomePage(Page):
    """The front door: what Staffroom is for visitors; cohorts and notifications once signed in."""

    introduction = models.TextField(
        blank=True,
        help_text="A sentence or two for visitors who are not signed in.",
    )
    body = RichTextField(blank=True, help_text="More about the programme, shown to visitors.")

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.StandardPage", "scenarios.ModulePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from mentoring.cohorts.selectors import cohorts_for
        from mentoring.inbox.selectors import inbox_count
        from mentoring.notifications.selectors import notifications_for

        context = super().get_context(request, *args, **kwargs)
        if request.user.is_authenticated:
            memberships = list(cohorts_for(user=request.user))
            for m in memberships:  # A tutor sees what waits in each cohort they tutor.
                m.inbox_count = inbox_count(cohort=m.cohort) if m.role == "tutor" else None
            context["memberships"] = memberships
            context["notifications"] = list(notifications_for(user=request.user, limit=10))
        return context


class StandardPage(Page):
    """A plain page: help, privacy, about the programme."""

    introduction = models.TextField(blank=True, help_text="Shown under the title.")
    body = StreamField(StandardBlocks(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """Things an administrator changes without a deploy."""

    support_email = models.EmailField(blank=True, help_text="Shown in the footer for help.")
    footer_text = models.CharField(
        max_length=255,
        blank=True,
        default="Staffroom — mentoring and problem-based learning for teachers.",
    )

    panels = [FieldPanel("support_email"), FieldPanel("footer_text")]
