"""Who we work for: clients and their contacts."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

CLIENT_CODE_RE = re.compile(r"^CL-?(\d{4,})$", re.IGNORECASE)


def normalise_client_code(text: str) -> str:
    """ "CL0001", "cl-0001" -> "CL-0001"; raises ValueError for anything else."""
    match = CLIENT_CODE_RE.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a client code (CL-0001)")
    return f"CL-{int(match.group(1)):04d}"


class ClientQuerySet(models.QuerySet):
    def for_list(self) -> ClientQuerySet:
        """What a client list shows: who created it, and how many projects it has."""
        return self.select_related("created_by").annotate(project_count=models.Count("projects"))


class Client(models.Model):
    """A business we cut for. Its code (CL-0001) is generated once and never reused."""

    class PaymentTerms(models.TextChoices):
        PREPAID = "prepaid", "Paid before production"
        COD = "cod", "Cash on collection"
        NET7 = "net7", "7 days"
        NET30 = "net30", "30 days"

    code = models.CharField(
        max_length=12,
        unique=True,
        editable=False,
        validators=[RegexValidator(r"^CL-\d{4,}$", "Client codes look like CL-0001.")],
        help_text="Generated (CL-0001); never reused, even after a client is deleted.",
    )
    name = models.CharField(
        max_length=200, db_index=True, help_text="The business name as it appears on invoices."
    )
    contact_person = models.CharField(
        max_length=150, blank=True, help_text="Who we usually deal with (more under contacts)."
    )
    email = models.EmailField(blank=True, help_text="Where quotes and invoices go.")
    phone = models.CharField(max_length=40, blank=True, help_text="e.g. 031 555 0101")
    address = models.TextField(blank=True, help_text="Delivery and invoice address.")
    vat_number = models.CharField(
        "VAT number", max_length=20, blank=True, help_text="Printed on tax invoices, if any."
    )
    payment_terms = models.CharField(
        max_length=10,
        choices=PaymentTerms.choices,
        default=PaymentTerms.PREPAID,
        help_text="Paid before production or cash on collection: nothing is cut until the job is "
        "paid in full. 7 or 30 days (on account, agreed by a manager): a job may be queued as soon "
        "as the client approves the quote, and is paid later.",
    )
    notes = models.TextField(blank=True, help_text="Anything the shop should remember.")
    is_active = models.BooleanField(
        default=True, help_text="Inactive clients stay on record but are hidden from pickers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def on_account(self) -> bool:
        """Approved credit terms: the client's jobs may be cut before they are paid."""
        return self.payment_terms in ON_ACCOUNT_TERMS

    @property
    def compact_code(self) -> str:
        """CL0001: the form used inside project codes and stored file names."""
        return self.code.replace("-", "")


# Terms on which a job may go into production before it is paid (DOMAIN.md: "no production until
# paid in full" is the rule for the others: paid before production, cash on collection).
ON_ACCOUNT_TERMS = frozenset({Client.PaymentTerms.NET7, Client.PaymentTerms.NET30})


class Contact(models.Model):
    """A person at a client: who orders, who pays, who collects."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=100, blank=True, help_text="e.g. buyer, accounts, site")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(
        default=False, help_text="The first person to call; one per client."
    )
    notes = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(is_primary=True),
                name="contact_one_primary_per_client",
                violation_error_message="A client has only one primary contact.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client.code})" if self.client_id else self.name
