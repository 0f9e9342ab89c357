"""What we cut from: materials, sheet stock, every movement, offcuts."""

from __future__ import annotations

from django.db import models


class Material(models.Model):
    """A material the shop cuts (DOMAIN.md): its code, density and the names users type."""

    code = models.CharField(max_length=10, unique=True, help_text="MS, SS, GALV, AL, VAST, ...")
    name = models.CharField(max_length=100)
    density_g_cm3 = models.DecimalField(
        "density (g/cm³)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names users type, matched case-insensitively."
    )
    max_thickness_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The machine's limit for this material, if any.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
