"""Demo e-certificates: every demo resident has an ID card and a household register in the
library; adults of working age have a social insurance record, most adults are married (a
marriage certificate) and many drive (a driving licence, the permit a renewal replaces, and
some a vehicle licence). resident1 also runs a small guesthouse (business licence and property
certificate), so the hotel special-trade licence can be applied for with nothing to bring.

Everything follows from the resident's serial number and the birth date in the ID number, so
the same demo city always gets the same library. Written directly, like the other demo data:
nobody fetched anything, so there is nothing to audit."""

from __future__ import annotations

import json
from datetime import date

from django.db import transaction

from linli.core.crypto import blind_index
from linli.hall.models import Certificate, CertificateType
from linli.people.models import User

ISSUERS = {
    CertificateType.ID_CARD: "区公安分局",
    CertificateType.HOUSEHOLD_REGISTER: "区公安分局户政科",
    CertificateType.BUSINESS_LICENCE: "区市场监督管理局",
    CertificateType.PROPERTY_CERTIFICATE: "区不动产登记中心",
    CertificateType.MARRIAGE_CERTIFICATE: "区民政局婚姻登记处",
    CertificateType.SOCIAL_INSURANCE: "区社会保险事业管理中心",
    CertificateType.DRIVING_LICENCE: "市公安局交通警察支队车辆管理所",
    CertificateType.VEHICLE_LICENCE: "市公安局交通警察支队车辆管理所",
}
# Fictional spouses and employers, picked by serial number.
SPOUSES = ["李建国", "张丽", "刘伟", "陈静", "杨洋", "赵敏", "黄磊", "周婷", "吴刚", "徐霞"]
EMPLOYERS = [
    "嘉禾纺织有限公司",
    "南湖区邻里民宿",
    "月河电子科技有限公司",
    "南湖区第二实验小学",
    "秀洲物流有限公司",
    "禾城建设工程有限公司",
]
# Age is counted at this fixed day, not today, so the library does not change with the clock.
AGE_ON = date(2025, 1, 1)


def _certificate(
    user: User,
    cert_type: str,
    number: str,
    subject: str,
    *,
    valid_from: date = date(2020, 3, 1),
    valid_until: date | None = None,
    **contents: str,
) -> Certificate:
    if cert_type == CertificateType.ID_CARD:
        valid_until = date(2040, 3, 1)
    return Certificate(
        cert_type=cert_type,
        number=number,
        holder_name=user.full_name,
        holder_id_number=user.id_number,
        holder_index=blind_index(user.id_number, purpose="id_number"),
        subject=subject,
        issuer=ISSUERS[CertificateType(cert_type)],
        valid_from=valid_from,
        valid_until=valid_until,
        contents=json.dumps(contents, ensure_ascii=False),
    )


def _born(user: User) -> date:
    return date(int(user.id_number[6:10]), int(user.id_number[10:12]), int(user.id_number[12:14]))


def _age(born: date) -> int:
    return AGE_ON.year - born.year - ((AGE_ON.month, AGE_ON.day) < (born.month, born.day))


def _guesthouse(user: User) -> list[Certificate]:
    return [
        _certificate(
            user,
            CertificateType.BUSINESS_LICENCE,
            "92330402MA2B3C4D5E",
            "南湖区邻里民宿",
            kind="个体工商户",
            scope="住宿服务",
        ),
        _certificate(
            user,
            CertificateType.PROPERTY_CERTIFICATE,
            "浙2020南湖不动产权第0012345号",
            "南湖区邻里路8号",
            use="商业",
            area_m2="320",
        ),
    ]


def _family_and_work(user: User, serial: int, born: date) -> list[Certificate]:
    """A marriage certificate for most adults, a social insurance record for working ages."""
    age, rows = _age(born), []
    if age >= 24 and serial % 4 != 0:
        married = date(max(born.year + 24, 1980), 1 + serial % 12, 1 + serial % 28)
        rows.append(
            _certificate(
                user,
                CertificateType.MARRIAGE_CERTIFICATE,
                f"J330402-{married.year}-{serial:06d}",
                "结婚证",
                valid_from=married,
                spouse=SPOUSES[serial % len(SPOUSES)],
                registered_on=married.isoformat(),
            )
        )
    if 18 <= age < 60:
        since = min(max(born.year + 20, 2000), AGE_ON.year - 1)
        employer = EMPLOYERS[1] if serial == 1 else EMPLOYERS[serial % len(EMPLOYERS)]
        rows.append(
            _certificate(
                user,
                CertificateType.SOCIAL_INSURANCE,
                f"SB{user.id_number}",
                "社会保险参保缴费证明",
                valid_from=date(since, 1, 1),
                employer=employer,
                insured_since=f"{since}-01",
                months_paid=str(min((AGE_ON.year - since) * 12, 300)),
                schemes="养老、医疗、失业、工伤、生育",
            )
        )
    return rows


def _driving(user: User, serial: int, born: date) -> list[Certificate]:
    """Every other adult under 70 drives; the licence number is the ID number, as in China."""
    if not (18 <= _age(born) < 70) or serial % 2 == 0:
        return []
    first = date(min(max(born.year + 20, 1995), AGE_ON.year - 1), 1 + serial % 12, 10)
    renewed = max(first, date(2020 + serial % 4, first.month, first.day))
    rows = [
        _certificate(
            user,
            CertificateType.DRIVING_LICENCE,
            user.id_number,
            "机动车驾驶证 C1",
            valid_from=renewed,
            valid_until=date(renewed.year + 10, renewed.month, renewed.day),
            vehicle_class="C1",
            first_issued=first.isoformat(),
        )
    ]
    if serial % 3 == 1:
        plate = f"浙F{serial:02d}{'ABCDE'[serial % 5]}{serial * 37 % 100:02d}"
        rows.append(
            _certificate(
                user,
                CertificateType.VEHICLE_LICENCE,
                f"330400{serial:06d}",
                plate,
                valid_from=renewed,
                plate=plate,
                vehicle="小型普通客车",
                use="非营运",
            )
        )
    return rows


def certificates_of(user: User, serial: int) -> list[Certificate]:
    """The demo resident ``serial``'s certificates (unsaved)."""
    born = _born(user)
    rows = [
        _certificate(user, CertificateType.ID_CARD, user.id_number, ""),
        _certificate(user, CertificateType.HOUSEHOLD_REGISTER, f"HJ3304{serial:08d}", "居民户口簿"),
    ]
    if serial == 1:
        rows.extend(_guesthouse(user))
    return rows + _family_and_work(user, serial, born) + _driving(user, serial, born)


@transaction.atomic
def load_demo_certificates() -> int:
    """Create the demo certificates unless the library has some; return how many."""
    if Certificate.objects.exists():
        return 0
    residents = User.objects.filter(is_demo=True, username__startswith="resident").exclude(
        id_number_index=""
    )
    rows = []
    for user in residents.order_by("id"):
        if user.username.removeprefix("resident").isdigit():
            rows.extend(certificates_of(user, int(user.username.removeprefix("resident"))))
    Certificate.objects.bulk_create(rows)
    return len(rows)
