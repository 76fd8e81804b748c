import pytest

from scenarios.services.releases import release_scenario
from tests.scenarios.helpers import make_module, make_scenario


@pytest.fixture
def module(wagtail_root):
    return make_module()


@pytest.fixture
def scenario(module):
    return make_scenario(module)


@pytest.fixture
def release(cohort, scenario, tutor):
    """The scenario released to the cohort now, its members in one group."""
    return release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=5)


@pytest.fixture
def group(release):
    return release.groups.get()
