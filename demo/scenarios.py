"""Demo modules and scenarios for ``seed_demo``, built through the page tree API. Idempotent.

The texts live in ``demo.content``. The induction scenarios are released to the induction
cohort (one already has groups at work: a board thread and a draft solution); the masters
scenario to the masters cohort. The demo tutor becomes a scenario author.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.models import Page

from demo import content
from mentoring.boards.services.posts import create_post, create_thread
from mentoring.models import Cohort, Thread, User
from scenarios.models import ModulePage, Release, ScenarioPage
from scenarios.services import releases, solutions
from scenarios.services.permissions import (
    allow_authoring_in,
    grant_scenario_authoring,
    scenarios_collection,
)

DEMO_GROUP_SIZE = 4


@dataclass
class DemoScenarios:
    modules: list[ModulePage] = field(default_factory=list)
    scenarios: list[ScenarioPage] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)


def _documents() -> dict[str, int]:
    """Upload the demo's evidence documents to the Scenarios collection (once)."""
    Document = get_document_model()
    collection = scenarios_collection()
    ids = {}
    for key, (title, filename, text) in content.DOCUMENTS.items():
        document = Document.objects.filter(title=title, collection=collection).first()
        if document is None:
            document = Document(title=title, collection=collection)
            document.file.save(filename, ContentFile(text.encode()), save=False)
            document.save()
        ids[key] = document.pk
    return ids


def _resolve_documents(body: list[dict], documents: dict[str, int]) -> list[dict]:
    """Replace ``doc:<key>`` references in evidence stages with the uploaded documents' ids."""
    body = copy.deepcopy(body)
    for stage in body:
        if stage["type"] != "evidence":
            continue
        for item in stage["value"]["items"]:
            reference = item["value"].get("document")
            if isinstance(reference, str) and reference.startswith("doc:"):
                item["value"]["document"] = documents[reference.removeprefix("doc:")]
    return body


def _module(home: Page, data: dict) -> ModulePage:
    module = ModulePage.objects.child_of(home).filter(slug=data["slug"]).first()
    if module is None:
        module = ModulePage(
            title=data["title"], slug=data["slug"], introduction=data["introduction"]
        )
        home.add_child(instance=module)
        module.save_revision().publish()
    allow_authoring_in(module=module)
    return module


def _scenario(module: ModulePage, data: dict, documents: dict[str, int]) -> ScenarioPage:
    scenario = ScenarioPage.objects.child_of(module).filter(slug=data["slug"]).first()
    if scenario is not None:
        return scenario
    scenario = ScenarioPage(
        title=data["title"],
        slug=data["slug"],
        summary=data["summary"],
        phase=data["phase"],
        expected_minutes=data["expected_minutes"],
        body=_resolve_documents(data["body"], documents),
    )
    scenario.tags.add(*data["tags"])
    module.add_child(instance=scenario)
    scenario.save_revision().publish()
    return scenario


def _release(cohort: Cohort, scenario: ScenarioPage, *, seed: int) -> Release:
    release = Release.objects.filter(cohort=cohort, scenario=scenario).first()
    if release is None:
        release = releases.release_scenario(
            cohort=cohort,
            scenario=scenario,
            by=None,
            group_size=DEMO_GROUP_SIZE,
            rng=random.Random(seed),
        )
    return release


def _groups_at_work(release: Release) -> None:
    """The first group has started: a thread on its board and a draft solution."""
    group = release.groups.order_by("id").first()
    if group is None or group.solution.version > 0:
        return
    members = list(group.members.order_by("username"))
    if len(members) < 2:
        return
    first, second = members[0], members[1]
    if not Thread.objects.filter(board=group.board).exists():
        thread = create_thread(
            board=group.board,
            author=first,
            title="Where do we start with 9X3?",
            body=(
                "I think the log is the key thing: Wednesday starts are 9-11 minutes late. "
                "Shall we plan the first ten minutes before anything else? #behaviour"
            ),
        )
        create_post(
            thread=thread,
            author=second,
            body="Agreed. I recognise Sam's 'just go straight to questions' - I do that too. "
            "But Leah's point worries me more: the quiet ones are giving up.",
        )
    solutions.save_solution(group=group, author=first, body=content.DRAFT_SOLUTION)


@transaction.atomic
def seed_scenarios(
    *,
    home: Page,
    tutor: User,
    induction: Cohort,
    masters: Cohort | None = None,
) -> DemoScenarios:
    result = DemoScenarios()
    documents = _documents()
    induction_module = _module(home, content.INDUCTION_MODULE)
    result.modules.append(induction_module)
    induction_scenarios = [
        _scenario(induction_module, data, documents) for data in content.INDUCTION_SCENARIOS
    ]
    result.scenarios += induction_scenarios
    for seed, scenario in enumerate(induction_scenarios):
        result.releases.append(_release(induction, scenario, seed=seed))
    _groups_at_work(result.releases[0])
    if masters is not None:
        ma_module = _module(home, content.MA_MODULE)
        result.modules.append(ma_module)
        ma_scenarios = [_scenario(ma_module, data, documents) for data in content.MA_SCENARIOS]
        result.scenarios += ma_scenarios
        for scenario in ma_scenarios:
            result.releases.append(_release(masters, scenario, seed=99))
    grant_scenario_authoring(user=tutor)
    return result
