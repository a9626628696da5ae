"""People API, mounted at /api/v1/people/: the caller's own account."""

from django.http import HttpRequest
from ninja import Router, Schema

from linli.people.auth import session_or_token
from linli.people.models import User

router = Router(tags=["people"])


class RoleOut(Schema):
    role: str
    unit_code: str
    unit_name: str


class MeOut(Schema):
    username: str
    name: str
    phone: str
    real_name: bool
    roles: list[RoleOut]


@router.get("/me", response=MeOut, auth=session_or_token(), summary="Who am I")
def me(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's account, with personal data masked."""
    user = request.user
    assert isinstance(user, User)
    roles = user.memberships.filter(is_active=True).select_related("unit").order_by("unit__code")
    return {
        "username": user.username,
        "name": user.masked_name,
        "phone": user.masked_phone,
        "real_name": user.is_real_name,
        "roles": [
            {"role": m.role, "unit_code": m.unit.code, "unit_name": m.unit.name} for m in roles
        ],
    }
