"""Shared test fixtures: personas are built by the apps' own conftests through real actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings


def pytest_configure(config):
    # WhiteNoise warns on every request when the collected-static directory does not exist.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    # The hashed manifest exists only after collectstatic; tests serve from the apps directly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, one per test process, not Django's in-memory one.
    An in-memory database is handed to the live server as one connection that all its request
    threads share, so two requests at once (LocalPay's notice and the payer coming back to the
    return page) broke each other's transactions ("cannot commit - no transaction is active",
    seen once in a full browser run). With a file every thread has its own connection, with
    the WAL and busy timeout that production has."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")  # a folder per xdist worker
        database.setdefault("TEST", {})["NAME"] = str(folder / "test-linli.sqlite3")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_locate_index():
    """Each test sees its own places: the in-process index is rebuilt on first use."""
    from linli.places import locate

    locate.reset()
    yield
    locate.reset()


SEEDING_MIGRATIONS = (
    "linli.core.migrations.0003_seed_calendar",
    "linli.cases.migrations.0002_seed_categories",
    "linli.hall.migrations.0002_seed_matters",
)


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """A transactional test ends with a flush, which also empties what data migrations seeded
    (the holiday calendar, the case categories). Seed them again before the next database test
    on this worker, so every test sees the database a deployment has."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server", "live_city"} & set(request.fixturenames)
    ):
        return
    import importlib

    from django.apps import apps

    from linli.cases.models import Category

    with django_db_blocker.unblock():
        if not Category.objects.exists():
            for module in SEEDING_MIGRATIONS:
                importlib.import_module(module).seed(apps, None)
        _calendar_covers_the_coming_months()


CALENDAR_HORIZON = timedelta(days=200)  # the longest promised time limit, 90 working days, and more


def _calendar_covers_the_coming_months() -> None:
    """Tests book slots and count deadlines from today. Late in a year those reach into the
    next, which the installed chinesecalendar may not know yet: such a year is entered here as
    test data (weekends off, no holidays), so no test depends on the day it runs. Tests of a
    year not entered set that up themselves (``calendar_ends_2026``)."""
    from django.utils import timezone

    from linli.core import workdays
    from linli.core.models import CalendarYear

    today = timezone.localdate()
    needed = set(range(today.year, (today + CALENDAR_HORIZON).year + 1))
    entered = CalendarYear.objects.filter(year__in=needed).values_list("year", flat=True)
    missing = needed - set(entered)
    if missing:
        CalendarYear.objects.bulk_create(
            [CalendarYear(year=year, source="test data: weekends only") for year in sorted(missing)]
        )
        workdays.clear_cache()


@pytest.fixture
def calendar_ends_2026(db):
    """The calendar as these tests were written against: 2027 and later not entered, whatever
    the installed chinesecalendar knows by now or the horizon above added."""
    from linli.core import workdays
    from linli.core.models import CalendarYear, Holiday

    CalendarYear.objects.filter(year__gte=2027).delete()
    Holiday.objects.filter(date__year__gte=2027).delete()
    workdays.clear_cache()


@pytest.fixture(autouse=True)
def _no_routing_table_from_an_earlier_test():
    """Routing keeps units and rules in memory; an earlier test's were rolled back."""
    from linli.cases import routing

    routing.forget()


@pytest.fixture(autouse=True)
def _no_calendar_from_an_earlier_test():
    """The working-day table is cached in process; an earlier test's years were rolled back."""
    from linli.core import workdays

    workdays.clear_cache()


@pytest.fixture(autouse=True)
def _totp_waived_unless_a_test_asks(settings):
    """Most tests sign staff in with force_login; the sign-in tests turn TOTP back on."""
    settings.LINLI_REQUIRE_TOTP = False


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages raised outside a request are compared in English (the source language); pages
    and API responses follow the request (Chinese by default), as in production."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- browser tests (Debian's Chromium through Playwright) ------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_city(transactional_db):
    """The demo city in a database the live server can see (flushed after the test)."""
    import io

    from linli.web.demo.loader import build_demo_city

    return build_demo_city(io.StringIO(), progress=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (iPhone 14 viewport) whose browser prefers English: Linli must still
    be Chinese until the person switches."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def signed_in(page, live_server, user) -> None:
    """Give a browser page the session of ``user`` (signed in through Django's test client)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
