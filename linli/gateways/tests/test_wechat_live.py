"""The simulator of WeChat's servers against Linli over real HTTP (Django's live server)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from linli.cases.models import Case
from linli.gateways.models import WeChatMessage
from linli.gateways.wechat_sim import Simulator, main
from linli.places.locate import locate
from linli.places.models import Area

TOKEN = "live-wechat-token"
APPID = "wxlive000000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def simulator(live_city, live_server, settings) -> Simulator:
    settings.LINLI_WECHAT_TOKEN = TOKEN
    settings.LINLI_WECHAT_APPID = APPID
    settings.LINLI_WECHAT_AES_KEY = AES_KEY
    # WeChat waits 5 s; a test machine shared with other suites may be slower than production
    return Simulator(f"{live_server.url}/gateways/wechat/", token=TOKEN, app_id=APPID, timeout=20.0)


@pytest.fixture
def spot(live_city) -> tuple[float, float]:
    grid = Area.objects.filter(level="micro_grid").order_by("code").first()
    assert locate(grid.centroid_lon, grid.centroid_lat)  # the live server shares this index:
    return grid.centroid_lon, grid.centroid_lat  # build it now, as a running server has


def test_a_resident_reports_in_safe_mode_end_to_end_over_http(simulator, spot):
    simulator.aes_key = AES_KEY
    verified = simulator.verify("echo-123")
    assert verified.status == 200 and verified.body == b"echo-123"
    welcome = simulator.send(simulator.subscribe())
    assert welcome.status == 200 and "110" in welcome.content
    assert welcome.fields["ToUserName"] == simulator.openid
    asked = simulator.send(simulator.location(spot[1], spot[0], "某小区东门"))
    assert asked.status == 200 and asked.content
    done = simulator.send(simulator.text("东门口有辆僵尸车停了半年了，轮胎都瘪了"))
    case = Case.objects.get(channel=Case.Channel.WECHAT)
    assert case.number in done.content and case.address == "某小区东门"
    assert b"<Encrypt>" in done.body and case.number.encode() not in done.body


def test_a_retry_storm_from_parallel_connections_creates_one_case(simulator, spot):
    # On SQLite too: the test database is a file (linli/conftest.py), so the live server's
    # request threads each have their own connection, as in production.
    simulator.send(simulator.text("小区门口的路灯坏了"))
    location = simulator.location(spot[1], spot[0])
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: simulator.send(location), range(4)))
    assert {r.status for r in replies} == {200}
    assert len({r.content for r in replies}) == 1
    assert Case.objects.filter(channel=Case.Channel.WECHAT).count() == 1
    assert WeChatMessage.objects.count() == 2


def test_the_command_line_simulator_reports_a_case(simulator, spot, capsys):
    url = simulator.url
    argv = ["--url", url, "--token", TOKEN, "--appid", APPID, "--text", "路灯坏了"]
    code = main([*argv, "--lat", str(spot[1]), "--lon", str(spot[0])])
    out = capsys.readouterr().out
    case = Case.objects.get(channel=Case.Channel.WECHAT)
    assert code == 0 and "verify: HTTP 200" in out and case.number in out
