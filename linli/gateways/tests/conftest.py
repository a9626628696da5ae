from linli.cases.tests.conftest import demo_city, room, spot  # noqa: F401 - shared fixtures
