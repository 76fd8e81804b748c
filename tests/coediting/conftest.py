from tests.scenarios.conftest import group, module, release, scenario  # noqa: F401
