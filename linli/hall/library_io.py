"""Loading the e-certificate library from the file the province's certificate platform hands
over: JSON lines, one certificate per line. All or nothing; a certificate already there (same
type and number) is updated, e.g. when it was revoked or renewed.

    {"type": "business_licence", "number": "92330402MA2B3C4D5E", "holder_name": "王芳",
     "holder_id_number": "330402199001011230", "subject": "南湖区邻里民宿",
     "issuer": "区市场监督管理局", "valid_from": "2020-03-01", "valid_until": null,
     "revoked": false, "contents": {"scope": "住宿服务"}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from linli.core import crypto, identifiers
from linli.core.audit import AuditKind, record
from linli.hall.models import Certificate, CertificateType

REQUIRED = ("type", "number", "holder_name", "holder_id_number", "issuer", "valid_from")
KEYS = {*REQUIRED, "subject", "valid_until", "revoked", "contents"}


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _text(row: dict[str, Any], key: str, limit: int) -> str:
    value = row.get(key) or ""
    if not isinstance(value, str) or "\x00" in value or len(value.strip()) > limit:
        raise ValueError(f"{key}: text of at most {limit} characters")
    return value.strip()


def _date(value: Any, key: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: a date as YYYY-MM-DD") from None


def parse_line(text: str) -> Certificate:
    """One line as an unsaved certificate, or ValueError saying what is wrong."""
    try:
        row = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("not JSON") from None
    if not isinstance(row, dict):
        raise ValueError("not an object")
    missing = [key for key in REQUIRED if not row.get(key)]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    unknown = sorted(set(row) - KEYS)
    if unknown:
        raise ValueError("unknown keys " + ", ".join(unknown))
    if row["type"] not in CertificateType.values:
        raise ValueError(f"type: one of {', '.join(CertificateType.values)}")
    try:
        id_number = identifiers.normalise_citizen_id(_text(row, "holder_id_number", 18))
    except identifiers.IdentifierError as exc:
        raise ValueError(f"holder_id_number: {exc}") from None
    valid_from = _date(row["valid_from"], "valid_from")
    valid_until = _date(row["valid_until"], "valid_until") if row.get("valid_until") else None
    if valid_until is not None and valid_until < valid_from:
        raise ValueError("valid_until is before valid_from")
    if not isinstance(row.get("revoked", False), bool):
        raise ValueError("revoked: true or false")
    contents = row.get("contents") or {}
    if not isinstance(contents, dict) or "\x00" in json.dumps(contents):
        raise ValueError("contents: an object")
    return Certificate(
        cert_type=row["type"],
        number=_text(row, "number", 64),
        holder_name=_text(row, "holder_name", 100),
        holder_id_number=id_number,
        holder_index=crypto.blind_index(id_number, purpose="id_number"),
        subject=_text(row, "subject", 200),
        issuer=_text(row, "issuer", 100),
        valid_from=valid_from,
        valid_until=valid_until,
        revoked=row.get("revoked", False),
        contents=json.dumps(contents, ensure_ascii=False),
    )


def import_lines(lines: list[str], *, actor: Any, source: str) -> Report:
    report = Report()
    parsed: list[Certificate] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(parse_line(line))
        except ValueError as exc:
            report.errors.append(f"line {number}: {exc}")
    if report.errors:
        return report
    with transaction.atomic():
        for certificate in parsed:
            existing = Certificate.objects.filter(
                cert_type=certificate.cert_type, number=certificate.number
            ).first()
            if existing is not None:
                certificate.pk = existing.pk
                report.updated += 1
            else:
                report.created += 1
            certificate.save()
        record(
            AuditKind.CERTIFICATES_IMPORTED,
            actor=actor,
            after={"created": report.created, "updated": report.updated, "source": source[:200]},
            note=f"e-certificates imported: {report.created} created, {report.updated} updated",
        )
    return report
