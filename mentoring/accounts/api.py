"""The caller's own account."""

from __future__ import annotations

from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    is_staff: bool


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.shown_name,
        "email": user.email,
        "is_staff": user.is_staff,
    }
