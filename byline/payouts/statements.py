"""A writer's monthly statement as CSV and PDF (the HTML page is a template), and the operator's export of
every payout. Amounts are written as exact decimals of the currency's major unit; text a writer or reader
typed (article titles in memos) is kept from being read as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.payouts.models import Payout
from byline.payouts.selectors import Statement

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def decimal(minor: int | None, currency: str) -> str:
    """300, "USD" -> "3.00"; -5, "USD" -> "-0.05"; exact, no symbol, no grouping."""
    if minor is None:
        return ""
    exponent = settings.CURRENCIES.get(currency, 2)
    whole, fraction = divmod(abs(minor), 10**exponent)
    text = f"{whole}.{fraction:0{exponent}d}" if exponent else str(whole)
    return f"-{text}" if minor < 0 else text


def cell(text: str) -> str:
    text = str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def kind_label(kind: str) -> str:
    return {"sale": _("Sale"), "tip": _("Tip"), "refund": _("Refund or undo"), "pool": _("Membership pool share"),
            "payout": _("Payout"), "payout_back": _("Payout back"), "other": _("Other earnings")}.get(kind, kind)


def statement_csv(statement: Statement) -> str:
    currency = statement.currency
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Statement"), cell(statement.writer.get_username()), currency,
                     timezone.localtime(statement.start).date().isoformat(),
                     (timezone.localtime(statement.end).date()).isoformat()])
    writer.writerow([_("Opening balance"), "", "", "", "", decimal(statement.opening, currency)])
    writer.writerow([_("Date"), _("Kind"), _("Description"), _("Paid by the reader"), _("Platform fee"),
                     _("Amount")])
    for line in statement.lines:
        writer.writerow([timezone.localtime(line.at).isoformat(timespec="seconds"), kind_label(line.kind),
                         cell(line.memo), decimal(line.gross, currency),
                         decimal(-line.fee if line.fee is not None else None, currency), decimal(line.net, currency)])
    for kind, total in statement.totals.items():
        writer.writerow([_("Total"), kind_label(kind), "", "", "", decimal(total, currency)])
    writer.writerow([_("Platform fees"), "", "", "", decimal(-statement.fees, currency), ""])
    writer.writerow([_("Closing balance"), "", "", "", "", decimal(statement.closing, currency)])
    writer.writerow([_("of which pending"), "", "", "", "", decimal(statement.pending_at_close, currency)])
    return out.getvalue()


def statement_pdf(statement: Statement, *, context: dict) -> bytes:
    """The statement as a PDF (WeasyPrint), in the active language; Chinese needs a CJK font installed
    (fonts-wqy-microhei), which the PDF embeds."""
    from weasyprint import HTML

    html = render_to_string("payouts/statement_pdf.html", {**context, "statement": statement})
    return HTML(string=html).write_pdf(pdf_tags=True)  # tagged: screen readers follow its structure


PAYOUT_COLUMNS = ("reference", "writer", "provider", "currency", "amount", "status", "trigger", "requested_at",
                  "paid_at", "closed_at", "provider_ref", "failure_reason", "debit_transfer", "settlement_transfer",
                  "reversal_transfer")


def payouts_csv(payouts: Iterable[Payout]) -> Iterable[str]:
    """Every payout, one row each, for the operator's accounting; streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def row(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield row(PAYOUT_COLUMNS)
    for payout in payouts:
        yield row([payout.reference, cell(payout.writer.get_username()), payout.provider, payout.currency,
                   decimal(payout.amount_minor, payout.currency), payout.status, payout.trigger,
                   payout.created_at.isoformat(), payout.paid_at.isoformat() if payout.paid_at else "",
                   payout.closed_at.isoformat() if payout.closed_at else "", cell(payout.provider_ref),
                   cell(payout.failure_reason), payout.debit_id, payout.settlement_id or "", payout.reversal_id or ""])
