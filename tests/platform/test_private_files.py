"""Scenario documents are never public: no URL under MEDIA_URL serves them, their stored paths
cannot be guessed, and only the checked view hands them out (or hands them to nginx)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from wagtail.documents import get_document_model

from scenarios.services.releases import release_scenario
from tests.factories import signed_in
from tests.scenarios.helpers import make_document, make_module, make_scenario


@pytest.fixture
def released(wagtail_root, cohort):
    scenario = make_scenario(make_module())
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    document = get_document_model().objects.get(pk=next(iter(scenario.document_ids())))
    return scenario, document


@pytest.mark.django_db
def test_stored_document_paths_cannot_be_guessed(wagtail_root):
    first, second = make_document("One"), make_document("Two")
    assert re.fullmatch(r"documents/[0-9a-f]{24}/policy\.txt", first.file.name)
    assert first.file.name != second.file.name
    assert first.filename == "policy.txt"  # the download keeps the original name


@pytest.mark.django_db
def test_the_file_path_is_404_for_everyone_and_the_checked_view_serves_members(
    released, members, outsider
):
    scenario, document = released
    file_url = "/media/" + document.file.name
    for user in (None, outsider, members[0]):
        assert signed_in(user).get(file_url).status_code == 404
    checked = f"/scenarios/{scenario.pk}/documents/{document.pk}/"
    assert signed_in(outsider).get(checked).status_code == 404
    response = signed_in(members[0]).get(checked)
    assert response.status_code == 200
    assert b"Least intrusive" in b"".join(response.streaming_content)
    assert response["Cache-Control"] == "private, no-store"
    assert 'filename="policy.txt"' in response["Content-Disposition"]


@pytest.mark.django_db
def test_behind_nginx_the_checked_view_hands_the_file_over_with_x_accel_redirect(
    released, members, settings
):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/private-media/"
    scenario, document = released
    response = signed_in(members[0]).get(f"/scenarios/{scenario.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/private-media/" + document.file.name
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_a_debug_server_serves_no_document_from_media_url(start_server):
    """`make run` used to serve MEDIA_ROOT under DEBUG; a debug server must not either."""
    name = default_storage.save("documents/minutes.txt", ContentFile(b"confidential"))
    try:
        server = start_server({"DEBUG": "true"})
        for path in (name, "documents/minutes.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{server.url}/media/{path}", timeout=10)
            assert refused.value.code == 404
    finally:
        default_storage.delete(name)
