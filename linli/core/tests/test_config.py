"""Configuration comes only from LINLI_* variables and fails loudly, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from linli.core import config


def _linli(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    clean.update({"LINLI_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "linli.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_a_secret_key_stops_and_names_it(tmp_path):
    result = _linli(["manage", "check"], {}, tmp_path)
    assert result.returncode == 2
    assert "LINLI_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "linli_secret_key").exists()


def test_production_without_a_data_key_stops_and_names_it(tmp_path):
    result = _linli(["manage", "check"], {"LINLI_SECRET_KEY": "x" * 50}, tmp_path)
    assert result.returncode == 2
    assert "LINLI_DATA_KEY is not set" in result.stderr


def test_demo_mode_generates_keys_once_into_var_and_reuses_them(tmp_path):
    first = _linli(["manage", "check"], {"LINLI_DEMO": "1"}, tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "linli_data_key"
    key = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    second = _linli(["manage", "check"], {"LINLI_DEMO": "1"}, tmp_path)
    assert second.returncode == 0, second.stderr
    assert key_file.read_text() == key


def test_a_malformed_boolean_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("LINLI_DEBUG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="LINLI_DEBUG"):
        config.env_bool("LINLI_DEBUG")


def test_a_malformed_number_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("LINLI_PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="LINLI_PORT"):
        config.env_int("LINLI_PORT", 8000)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("LINLI_ALLOWED_HOSTS", " a.gov.cn, b.gov.cn ,")
    assert config.env_list("LINLI_ALLOWED_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


def test_the_embedded_sqlite_database_keeps_its_connection_between_requests(tmp_path):
    """Opening the SQLite file again for every request cost more than a catalogue search."""
    show = "from django.db import connection as c; print(c.vendor, c.settings_dict['CONN_MAX_AGE'])"
    result = _linli(["manage", "shell", "--no-imports", "-c", show], {"LINLI_DEMO": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqlite", "60"]
