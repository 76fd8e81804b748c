"""The attributes the test university releases: eduPersonPrincipalName is scoped, like a
real one (username@university)."""

from djangosaml2idp.processors import BaseProcessor


class _Person:
    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        return getattr(self._user, name)

    @property
    def eppn(self) -> str:
        return f"{self._user.username}@uni.example"


class Processor(BaseProcessor):
    def create_identity(self, user, sp_attribute_mapping):
        return super().create_identity(_Person(user), sp_attribute_mapping)
