"""Who sees whom: visible_to is the one road from a request to rows, and "not yours" looks
exactly like "missing"."""

from __future__ import annotations

import pytest
from django.http import Http404
from ninja.errors import HttpError

from linli.core.access import get_visible_or_404, get_visible_or_404_api, scope_prefixes
from linli.people import actions
from linli.people.models import Membership, Role, Shift, Unit, User

pytestmark = pytest.mark.django_db


def test_a_room_officer_sees_people_of_their_room_and_not_of_another_room(
    room_officer, other_room_officer, resident
):
    visible = set(User.objects.visible_to(room_officer).values_list("username", flat=True))
    assert "officer" in visible
    assert "other_officer" not in visible
    assert "resident" in visible  # registered with the committee of the room's community


def test_street_staff_see_everyone_with_a_role_in_their_street(
    street_staff, room_officer, other_room_officer, resident
):
    visible = set(User.objects.visible_to(street_staff).values_list("username", flat=True))
    assert {"street", "officer", "resident"} <= visible
    assert "other_officer" not in visible  # 330499002… lies in another street


def test_an_administrator_and_a_superuser_see_everyone(administrator, room_officer):
    superuser = User.objects.create_superuser("root", password="x-long-password-1")
    everyone = User.objects.count()
    assert User.objects.visible_to(administrator).count() == everyone
    assert User.objects.visible_to(superuser).count() == everyone
    assert scope_prefixes(administrator) is None


def test_a_resident_sees_only_themselves(resident, room_officer):
    assert list(User.objects.visible_to(resident)) == [resident]
    assert scope_prefixes(resident) == []
    assert not Unit.objects.visible_to(resident).exists()


def test_anonymous_and_inactive_users_see_nothing(room_officer):
    from django.contrib.auth.models import AnonymousUser

    assert scope_prefixes(AnonymousUser()) == []
    room_officer.is_active = False
    room_officer.save()
    assert scope_prefixes(User.objects.get(pk=room_officer.pk)) == []


def test_a_revoked_membership_takes_the_jurisdiction_away(room_officer, units):
    assert Unit.objects.visible_to(room_officer).filter(pk=units["room"].pk).exists()
    membership = Membership.objects.get(user=room_officer)
    actions.revoke_membership(membership, actor=None)
    fresh = User.objects.get(pk=room_officer.pk)
    assert not Unit.objects.visible_to(fresh).exists()


def test_nested_prefixes_collapse_to_the_widest(units):
    user = actions.create_user("both", actor=None)
    actions.grant_membership(user, units["street"], Role.STREET_STAFF, actor=None)
    actions.grant_membership(user, units["room"], Role.OFFICER, actor=None)
    assert scope_prefixes(user) == ["330499001"]


def test_shifts_and_memberships_follow_the_same_scope(room_officer, other_room_officer, units):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    actions.set_shift(units["room"], room_officer, now, now + timedelta(hours=8), actor=None)
    actions.set_shift(
        units["other_room"], other_room_officer, now, now + timedelta(hours=8), actor=None
    )
    assert set(Shift.objects.visible_to(room_officer).values_list("unit", flat=True)) == {
        units["room"].pk
    }
    assert set(
        Membership.objects.visible_to(room_officer).values_list("user__username", flat=True)
    ) == {"officer"}


def test_a_row_outside_the_scope_is_the_same_404_as_a_missing_one(room_officer, units):
    queryset = Unit.objects.visible_to(room_officer)
    assert get_visible_or_404(queryset, pk=units["room"].pk) == units["room"]
    with pytest.raises(Http404) as outside:
        get_visible_or_404(queryset, pk=units["other_room"].pk)
    with pytest.raises(Http404) as missing:
        get_visible_or_404(queryset, pk=999_999)
    assert str(outside.value) == str(missing.value)
    with pytest.raises(HttpError) as api_outside:
        get_visible_or_404_api(queryset, pk=units["other_room"].pk)
    with pytest.raises(HttpError) as api_missing:
        get_visible_or_404_api(queryset, pk=999_999)
    assert api_outside.value.status_code == api_missing.value.status_code == 404
    assert str(api_outside.value) == str(api_missing.value)
