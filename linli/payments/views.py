"""The page the provider sends the payer back to. It shows the order as Linli knows it, after
asking the provider once if no notification has arrived yet (the notice may be slower than
the payer's browser)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.access import get_visible_or_404
from linli.payments import actions
from linli.payments.models import PaymentOrder
from linli.payments.purposes import purpose_url


def return_page(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("out_trade_no", "")[:32]
    # Orders without a payer (a fee paid at a window's terminal) are shown by number alone.
    visible = PaymentOrder.objects.visible_to(request.user) | PaymentOrder.objects.filter(
        payer__isnull=True
    )
    order = get_visible_or_404(visible.numbered(number))
    order = actions.sync_order(order)
    return render(
        request, "payments/return.html", {"order": order, "purpose_url": purpose_url(order)}
    )
