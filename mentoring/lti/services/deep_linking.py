"""Deep Linking 2.0: the instructor picks a place in the cohort; the platform gets a signed
content item (a resource link to our launch URL carrying the place in a custom parameter).
PyLTI1p3 builds and signs the response with the tool's current key."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.models import LtiLaunch
from pylti1p3.deep_link_resource import DeepLinkResource

from mentoring.core.errors import Invalid
from mentoring.lti.selectors import TARGET_PARAMETER, Placement, tool_urls
from mentoring.lti.services.keys import ensure_key

SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@dataclass(frozen=True)
class DeepLinkingResponse:
    return_url: str
    jwt: str


def respond(*, launch: LtiLaunch, chosen: Placement) -> DeepLinkingResponse:
    """The signed response placing ``chosen``, and where the browser posts it."""
    if not launch.is_deep_link_launch:
        raise Invalid(
            "not_deep_linking", "This launch did not ask for a link: launch again from the course."
        )
    ensure_key()
    deep_link_settings = launch.get_claim(SETTINGS_CLAIM) or {}
    return_url = deep_link_settings.get("deep_link_return_url")
    if not return_url:
        raise Invalid("deep_linking", "The platform gave no address to return the link to.")
    resource = (
        DeepLinkResource()
        .set_url(tool_urls()["launch_url"])
        .set_title(chosen.title)
        .set_custom_params({TARGET_PARAMETER: chosen.key})
    )
    jwt = launch.get_message_launch().get_deep_link().get_response_jwt([resource])
    return DeepLinkingResponse(return_url=return_url, jwt=jwt)
