"""What it costs and what we bill, by subject: the shop's rates (rates.py), quotes (quotes.py),
VAT, invoices and credit notes (invoices.py), payments (payments.py). Import them from here.

Rates are data a manager edits in the admin; every change goes through `finance.services` and is
kept in the rates' change log and the audit trail. The pricing engine (`finance.pricing`) never
reads these models: `finance.selectors` turns them into its plain inputs, which a quote line
keeps as they were.
"""

from .invoices import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceQuerySet,
    InvoiceStatus,
    PaymentState,
    VatRate,
)
from .payments import Payment, PaymentAllocation, PaymentMethod
from .quotes import (
    DISCOUNT,
    MAX_QUOTE_QUANTITY,
    Quote,
    QuoteLine,
    QuoteLineKind,
    QuoteQuerySet,
    QuoteStatus,
    QuoteStatusGroups,
)
from .rates import (
    CENT_VALUE,
    MAX_MONEY,
    MINUTES,
    MONEY,
    MONEY_RANGE,
    NOT_NEGATIVE,
    PCT,
    PERCENT,
    RATES_LOGGED_FIELDS,
    RATES_PK,
    ZERO,
    DeliveryOption,
    QuantityBreak,
    ShopRates,
    ShopRatesChange,
    default_sheet_utilisation,
)

__all__ = [
    "CENT_VALUE",
    "DISCOUNT",
    "MAX_MONEY",
    "MAX_QUOTE_QUANTITY",
    "MINUTES",
    "MONEY",
    "MONEY_RANGE",
    "NOT_NEGATIVE",
    "PCT",
    "PERCENT",
    "RATES_LOGGED_FIELDS",
    "RATES_PK",
    "ZERO",
    "CreditNote",
    "CreditNoteLine",
    "DeliveryOption",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceQuerySet",
    "InvoiceStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentState",
    "QuantityBreak",
    "Quote",
    "QuoteLine",
    "QuoteLineKind",
    "QuoteQuerySet",
    "QuoteStatus",
    "QuoteStatusGroups",
    "ShopRates",
    "ShopRatesChange",
    "VatRate",
    "default_sheet_utilisation",
]
