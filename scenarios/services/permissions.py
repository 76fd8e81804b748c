"""Who may author scenarios in the Wagtail admin: the "Scenario authors" group.

Tutors write and publish scenarios inside module pages (and upload their evidence to the
"Scenarios" collection) without being able to touch the rest of the site.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from mentoring.models import User
from scenarios.models import ModulePage

SCENARIOS_COLLECTION = "Scenarios"
AUTHORS_GROUP = "Scenario authors"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
COLLECTION_PERMISSIONS = (
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
)
MODEL_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("scenarios", "add_release"),
    ("scenarios", "change_release"),
    ("scenarios", "view_release"),
)


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def scenarios_collection() -> Collection:
    existing = Collection.objects.filter(name=SCENARIOS_COLLECTION).first()
    if existing is not None:
        return existing
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    return root.add_child(name=SCENARIOS_COLLECTION)


@transaction.atomic
def authors_group() -> Group:
    """The group, with its admin, release and collection permissions (idempotent)."""
    group, _ = Group.objects.get_or_create(name=AUTHORS_GROUP)
    group.permissions.add(*[_permission(app, code) for app, code in MODEL_PERMISSIONS])
    collection = scenarios_collection()
    for app, code in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission(app, code)
        )
    return group


@transaction.atomic
def allow_authoring_in(*, module: Page) -> None:
    """Let scenario authors add, edit and publish scenarios inside ``module``."""
    group = authors_group()
    for code in PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=module, permission=_permission("wagtailcore", code)
        )


@transaction.atomic
def grant_scenario_authoring(*, user: User) -> None:
    """Make a tutor a scenario author (in every module page that exists now or later)."""
    group = authors_group()
    for module in ModulePage.objects.all():
        allow_authoring_in(module=module)
    user.groups.add(group)
