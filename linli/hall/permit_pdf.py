"""The printable certificate of an issued application (A4 PDF).

Chinese text uses the Adobe-GB1 CID font STSong-Light, which every PDF reader carries (it is
one of the fonts a reader must supply for Chinese), so nothing is embedded or downloaded. A QR
code points to the public check of the permit number.
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from linli.hall.applications import answer_rows
from linli.hall.models import Application

FONT = "STSong-Light"
QR_SIZE = 32 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: int) -> list[str]:
    """Chinese has no spaces to break at: cut every ``width`` characters."""
    text = str(text)
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render(application: Application, *, check_url: str) -> bytes:
    """The certificate as PDF bytes. ``check_url`` is the absolute URL of the public check."""
    matter = application.matter
    font = _font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    page.setTitle(f"{matter.name_zh} {application.permit_number}")
    page.setAuthor(matter.agency or "Linli")
    page.setSubject(application.number)
    width, height = A4

    page.setLineWidth(1.2)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    page.setFont(font, 22)
    page.drawCentredString(width / 2, height - 40 * mm, matter.name_zh)
    page.setFont("Helvetica", 11)
    page.drawCentredString(width / 2, height - 48 * mm, matter.name_en)
    page.setFont(font, 12)
    page.drawCentredString(width / 2, height - 58 * mm, f"编号 No. {application.permit_number}")

    y = height - 76 * mm
    rows = [("申请编号", application.number), ("申请人", application.applicant.full_name)]
    rows += [(row["label"], str(row["value"])) for row in answer_rows(application)]
    issued = timezone.localtime(application.issued_at or timezone.now())
    rows += [
        ("发证机关", matter.agency or matter.get_level_display()),
        ("发证日期", f"{issued:%Y年%m月%d日}"),
    ]
    for title, value in rows:
        page.setFont(font, 12)
        page.drawString(25 * mm, y, f"{title}：")
        for line in _wrap(value, 30):
            page.drawString(65 * mm, y, line)
            y -= 8 * mm
        y -= 2 * mm
        if y < 60 * mm:
            break

    widget = QrCodeWidget(check_url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, page, width - 25 * mm - QR_SIZE, 22 * mm)
    page.setFont(font, 9)
    page.drawString(25 * mm, 30 * mm, "扫描右侧二维码或访问以下地址核验本证：")
    page.setFont("Helvetica", 8)
    page.drawString(25 * mm, 25 * mm, check_url[:90])
    page.showPage()
    page.save()
    return out.getvalue()
