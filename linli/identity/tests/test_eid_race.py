"""Eight officers scan the same code at the same moment: exactly one accepts it.

Real transactions and one connection per thread; the insert of the code's id decides."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from linli.identity import actions
from linli.identity.eid import EidError, Reason
from linli.identity.models import UsedEidCode
from linli.identity.tests.conftest import make_unit, person
from linli.people.models import Role, Unit


@pytest.mark.django_db(transaction=True)
def test_eight_officers_verifying_one_code_at_once_accept_it_once():
    room = make_unit("330499001001-room", Unit.Kind.POLICE_ROOM, "330499001001")
    resident = person("r", None, Role.RESIDENT, full_name="张小三", id_number="330402199001011230")
    officers = [person(f"o{n}", room, Role.OFFICER) for n in range(8)]
    token = actions.issue_eid(resident, actor=resident).token
    barrier = threading.Barrier(len(officers))
    accepted: list[str] = []
    refused: list[Reason] = []
    crashed: list[BaseException] = []

    def scan(officer) -> None:
        barrier.wait()
        try:
            accepted.append(actions.verify_eid(token, actor=officer).name)
        except EidError as exc:
            refused.append(exc.reason)
        except BaseException as exc:  # anything else fails the test
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert crashed == []
    assert accepted == ["张*三"]
    assert refused == [Reason.REPLAYED] * 7
    assert UsedEidCode.objects.count() == 1
