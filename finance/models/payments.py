"""Payments received and their allocations to invoices (what is left is the client's credit)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .invoices import Invoice
from .rates import CENT_VALUE, MAX_MONEY, MONEY, ZERO

# --- payments -----------------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    EFT = "eft", "EFT"
    CASH = "cash", "Cash"
    CARD = "card", "Card"


class Payment(models.Model):
    """Money received from a client: amount, date, method, reference and the proof of payment.
    It is allocated to the client's invoices; what is not allocated is the client's credit."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name="job",
        help_text="The job it was paid for, if the client said.",
    )
    amount = models.DecimalField(
        "amount (R)",
        **MONEY,
        validators=[MinValueValidator(CENT_VALUE), MaxValueValidator(MAX_MONEY)],
        help_text="As received, VAT included.",
    )
    received_on = models.DateField(db_index=True)
    method = models.CharField(
        max_length=5, choices=PaymentMethod.choices, default=PaymentMethod.EFT
    )
    reference = models.CharField(
        max_length=100, blank=True, help_text="The bank reference or receipt number."
    )
    document = models.ForeignKey(
        "projects.ProjectDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name="proof of payment",
    )
    allocated = models.DecimalField("allocated (R)", **MONEY, default=ZERO, editable=False)
    unallocated = models.DecimalField(
        "client credit (R)",
        **MONEY,
        default=ZERO,
        editable=False,
        db_index=True,
        help_text="Not allocated to an invoice: the client's credit.",
    )
    notes = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(unallocated__gte=0),
                name="payment_allocation_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"R {self.amount} from {self.client_id} on {self.received_on}"


class PaymentAllocation(models.Model):
    """This much of a payment settles this invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField("amount (R)", **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "payment allocation"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"R {self.amount} to {self.invoice}"
