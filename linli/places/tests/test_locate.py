from __future__ import annotations

import numpy as np
import pytest

from linli.places import actions, locate
from linli.places.tests.conftest import X0, Y0

pytestmark = pytest.mark.django_db


def test_a_point_inside_a_micro_grid_resolves_every_level_and_the_room(city):
    where = locate.locate(X0 + 0.015, Y0 + 0.005)
    assert where is not None
    assert where.micro_grid.code == "330499001001002001"
    assert where.grid.code == "330499001001002"
    assert where.community.name == "甲社区"
    assert where.street.code == "330499001"
    assert where.district.code == "330499"
    assert where.police_room.name == "甲社区警务室"
    assert where.officer_on_duty() == city["officer"]


def test_a_point_in_an_area_without_micro_grids_resolves_to_the_deepest_area(city):
    where = locate.locate(X0 + 0.03, Y0 + 0.01)
    assert where.community.code == "330499002001"
    assert where.grid is None and where.micro_grid is None
    assert where.police_room is None
    assert where.officer_on_duty() is None


def test_a_point_outside_every_area_is_nowhere(city):
    assert locate.locate(X0 - 1, Y0) is None


def test_a_point_on_a_shared_border_always_gets_the_lower_code(city):
    border = (X0 + 0.01, Y0 + 0.005)  # between grid 001 and grid 002
    assert locate.locate(*border).micro_grid.code == "330499001001001001"
    codes = locate.locate_many(np.array([border[0]] * 3), np.array([border[1]] * 3))
    assert list(codes) == ["330499001001001001"] * 3


def test_bulk_locate_agrees_with_single_locate(city):
    rng = np.random.default_rng(7)
    lons = rng.uniform(X0 - 0.005, X0 + 0.045, 500)
    lats = rng.uniform(Y0 - 0.005, Y0 + 0.025, 500)
    bulk = locate.locate_many(lons, lats)
    for lon, lat, code in zip(lons, lats, bulk, strict=True):
        single = locate.locate(lon, lat)
        assert (single.area_code if single else None) == code


def test_the_index_rebuilds_when_an_area_changes(city, admin_user):
    assert locate.locate(X0 + 0.005, Y0 + 0.005).micro_grid.name == "微网格001-001"
    area = locate.index().names  # warm the index
    from linli.places.models import Area

    actions.rename_area(Area.objects.get(code="330499001001001001"), "新名字", actor=admin_user)
    locate._checked_at = 0.0  # the once-a-second check is due
    assert locate.locate(X0 + 0.005, Y0 + 0.005).micro_grid.name == "新名字"
    assert area is not locate.index().names
