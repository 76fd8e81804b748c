"""Small factories. Cohorts and memberships go through the services, so permissions are real."""

from __future__ import annotations

import factory
from django.test import Client

from mentoring.accounts.services.tokens import create_api_token
from mentoring.cohorts.services import add_membership, create_cohort
from mentoring.models import Cohort, Membership, User

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


def signed_in(user: User | None = None) -> Client:
    """A test client signed in as ``user`` (anonymous without one)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_cohort(
    *,
    name: str = "Test cohort",
    tutors: list[User] | None = None,
    members: list[User] | None = None,
    kind: str = Cohort.Kind.INDUCTION,
    **settings,
) -> Cohort:
    """A cohort with tutors (default: one new tutor) and members, through the services."""
    tutors = (
        tutors
        if tutors is not None
        else [UserFactory(username=f"tutor_{name[:20]}".replace(" ", "_"))]
    )
    cohort = create_cohort(name=name, kind=kind, tutors=tutors)
    for member in members or []:
        add_membership(cohort=cohort, user=member, role=Membership.Role.MEMBER)
    if settings:
        Cohort.objects.filter(pk=cohort.pk).update(**settings)
        cohort.refresh_from_db()
    return cohort


class ApiClient:
    """A JSON client that authenticates with a real bearer token."""

    def __init__(self, user: User | None = None, token: str | None = None):
        self.user = user
        self.token = token if token is not None else (create_api_token(user=user) if user else None)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client = Client(headers=headers)

    def _call(self, method: str, path: str, data=None):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        if data is not None:
            kwargs["data"] = data
        response = getattr(self.client, method)(path, **kwargs)
        try:
            response.data = response.json()
        except ValueError:
            response.data = None
        return response

    def get(self, path: str):
        return self._call("get", path)

    def post(self, path: str, data=None):
        return self._call("post", path, data if data is not None else {})

    def patch(self, path: str, data=None):
        return self._call("patch", path, data if data is not None else {})

    def delete(self, path: str):
        return self._call("delete", path)
