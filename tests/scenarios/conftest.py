import pytest

from tests.scenarios.helpers import make_module, make_scenario


@pytest.fixture
def module(wagtail_root):
    return make_module()


@pytest.fixture
def scenario(module):
    return make_scenario(module)
