"""The catalogue page words each matter in Python (search.labelled), not with template tags in its
loop: it must still say exactly what the tags said, in both languages, for every matter."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

from linli.hall import search
from linli.hall.models import Domain, Kind, Matter, yuan

pytestmark = pytest.mark.django_db

# The page's loop as it was written with {% url %}, {% if %} and {% blocktranslate %}.
TAGS_IN_THE_LOOP = """{% load i18n %}{% get_current_language as LANGUAGE_CODE %}
{% for matter in matters %}
  <li><a href="{% url 'hall:matter' matter.code %}"><strong>{{ matter.name_zh }}</strong></a>
    {% if LANGUAGE_CODE == "en" %}<br><small>{{ matter.name_en }}</small>{% endif %}<br>
    <small>{{ matter.kind_label }} ·
    {% if matter.trips == 0 %}{% translate "no trip needed" %}{% else %}{% translate "at most one trip" %}{% endif %} ·
    {% if matter.fee_fen %}{% blocktranslate with yuan=matter.fee_yuan %}{{ yuan }} yuan{% endblocktranslate %}{% else %}{% translate "free" %}{% endif %} ·
    {% if matter.promised_days %}{% blocktranslate count days=matter.promised_days %}{{ days }} working day{% plural %}{{ days }} working days{% endblocktranslate %}{% else %}{% translate "done on the spot" %}{% endif %}
    {% if matter.delegated_to_police_rooms %} · <span class="tag tag-room">{% translate "at every police room" %}</span>{% endif %}</small></li>
{% endfor %}"""  # noqa: E501


def _as_the_tags_said(page: int, language: str) -> str:
    rows, _count = search.find(page=page)
    for row in rows:
        row.update(kind_label=Kind(row["kind"]).label, fee_yuan=yuan(row["fee_fen"]))
    with translation.override(language):
        return engines["django"].from_string(TAGS_IN_THE_LOOP).render({"matters": rows})


def _listed(html: str) -> str:
    return html.split('id="matters">', 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_matter_on_every_page_reads_as_the_template_tags_wrote_it(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = (Matter.objects.active().count() + search.PAGE_SIZE - 1) // search.PAGE_SIZE
    assert pages > 5  # the whole shipped catalogue, not an empty one
    for page in range(1, pages + 1):
        html = client.get("/hall/", {"page": page}).content.decode()
        assert f'<html lang="{language}">' in html
        assert _listed(html).strip() == _as_the_tags_said(page, language).strip()


def test_fees_time_limits_and_trips_are_worded_in_chinese(client):
    passport = _listed(client.get("/hall/", {"q": "普通护照签发"}).content.decode())
    assert "最多跑一次 ·\n    120 元 ·\n    7 个工作日" in passport
    same_name = _listed(client.get("/hall/", {"q": "同名查询"}).content.decode())
    assert "最多跑零次 ·\n    不收费 ·\n    即时办结" in same_name
    assert 'href="/hall/matters/same_name_query/"' in same_name


def test_every_domain_is_listed_with_the_number_of_its_active_matters(client):
    Matter.objects.filter(code="passport").update(is_active=False)
    html = client.get("/hall/", {"q": "证"}).content.decode()
    listed = dict(re.findall(r'href="\?domain=(\w+)"[^>]*>[^<]*<span class="tag">(\d+)<', html))
    assert listed == {
        value: str(Matter.objects.active().filter(domain=value).count()) for value in Domain.values
    }
    assert int(listed[Domain.EXIT_ENTRY]) == Matter.objects.filter(domain="exit_entry").count() - 1
