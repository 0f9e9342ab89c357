"""Admin for finance: the shop's rates (one page, every change logged with its reason), quantity
breaks, delivery options, and the instant-quote page (drop a drawing, see its price)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse

from inventory.models import Material
from laseros.admin import ReadOnlyAdmin, ReadOnlyInline
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin, can_see_money
from production.models import Gas

from . import services
from .instant import InstantQuote, instant_quote
from .models import (
    RATES_LOGGED_FIELDS,
    RATES_PK,
    DeliveryOption,
    QuantityBreak,
    ShopRates,
    ShopRatesChange,
)
from .pricing import PricingError
from .pricing.engine import MAX_QUANTITY

RATES_MONEY = (
    "handling_per_part",
    "bending_per_bend",
    "margin_pct",
    "minimum_per_part",
    "minimum_per_order",
    "rush_surcharge_pct",
)


class ShopRatesForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Why this change",
        max_length=255,
        required=False,
        help_text="Goes in the rates' change log with the values before and after.",
    )

    class Meta:
        model = ShopRates
        fields = list(RATES_LOGGED_FIELDS)

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.changed_data and not (data.get("change_reason") or "").strip():
            self.add_error("change_reason", "Say why the rates are changed.")
        return data


class ShopRatesChangeInline(ReadOnlyInline, admin.TabularInline):
    model = ShopRatesChange
    fields = ["changed_at", "by", "reason", "fields_changed", "changes"]
    readonly_fields = fields
    ordering = ["-changed_at"]
    verbose_name_plural = "change log"


@admin.register(ShopRates)
class ShopRatesAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The one rates row; changes go through rates_update (logged with their reason). Its
    instant-quote page (instant-quote/) prices a dropped drawing; the admin index links to it."""

    form = ShopRatesForm
    money_fields = RATES_MONEY
    inlines = [ShopRatesChangeInline]
    readonly_fields = ["updated_at"]
    fieldsets = [
        ("Machine time", {"fields": ["machine", "travel_allowance_pct"]}),
        ("Set-up", {"fields": ["setup_minutes_per_job", "setup_minutes_per_part"]}),
        ("Extras", {"fields": ["handling_per_part", "bending_per_bend"]}),
        (
            "Margin, minimums and rush",
            {
                "fields": [
                    "margin_pct",
                    ("minimum_per_part", "minimum_per_order"),
                    "rush_surcharge_pct",
                ]
            },
        ),
        ("Material", {"fields": ["sheet_utilisation", "whole_sheets"]}),
        (
            "Lines with no cut preset",
            {
                "fields": [
                    "no_preset_fallback",
                    ("fallback_cut_speed_mm_min", "fallback_pierce_time_s"),
                ]
            },
        ),
        ("Why this change", {"fields": ["change_reason"]}),
        ("Record", {"fields": ["updated_at"], "classes": ["collapse"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ["__str__", "machine", "margin_pct", "whole_sheets", "updated_at"]
    list_select_related = ["machine"]

    def get_urls(self):
        page = self.admin_site.admin_view(self.instant_quote_view)
        return [
            path("instant-quote/", page, name="finance_instant_quote"),
            *super().get_urls(),
        ]

    def instant_quote_view(self, request):
        """Drop a drawing, see its price, its breakdown and its preview. Nothing is stored."""
        if not (self.has_view_permission(request) and can_see_money(request.user)):
            return self.admin_site.refuse(request, "see prices")
        quote = None
        form = InstantQuoteForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            form.is_valid()  # every bad field at once: the form's and the shop's checks
            quote = _price_the_form(form)
            if quote is not None and quote.part.flags:
                messages.warning(request, "No cut preset: priced from the fallback speed.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Instant quote",
            "opts": self.opts,
            "form": form,
            "quote": quote,
            "answer": quote.as_json() if quote else None,
            "rates_url": reverse("admin:finance_shoprates_change", args=[RATES_PK]),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/finance/instant_quote.html", context)

    def save_model(self, request, obj, form, change):
        """Through rates_update: the change log and the audit entry (not the admin's own)."""
        data = form.cleaned_data
        changes = {name: data[name] for name in form.changed_data if name in RATES_LOGGED_FIELDS}
        if changes:
            services.rates_update(
                changes=changes, by=request.user, reason=data.get("change_reason") or ""
            )


@admin.register(ShopRatesChange)
class ShopRatesChangeAdmin(ReadOnlyAdmin):
    """The rates' change log (written only by rates_update)."""

    list_display = ["changed_at", "by", "reason", "fields_changed"]
    list_select_related = ["by"]
    search_fields = ["reason"]
    date_hierarchy = "changed_at"


@admin.register(QuantityBreak)
class QuantityBreakAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["min_quantity", "discount_pct"]
    money_fields = ("discount_pct",)

    def save_model(self, request, obj, form, change):
        services.quantity_break_save(quantity_break=obj, by=request.user)

    def delete_model(self, request, obj):
        services.quantity_break_delete(quantity_break=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.quantity_break_delete(quantity_break=obj, by=request.user)


@admin.register(DeliveryOption)
class DeliveryOptionAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "price", "is_active", "sort_order"]
    list_filter = ["is_active"]
    money_fields = ("price",)

    def has_delete_permission(self, request, obj=None):
        return False  # old quotes name it: make it inactive instead

    def save_model(self, request, obj, form, change):
        services.delivery_option_save(option=obj, by=request.user)


class InstantQuoteForm(forms.Form):
    file = forms.FileField(help_text="A DXF or LightBurn drawing of one part.")
    material = forms.ModelChoiceField(
        queryset=Material.objects.filter(is_active=True), to_field_name="code"
    )
    thickness_mm = forms.DecimalField(
        label="Thickness (mm)", max_digits=6, decimal_places=2, min_value=0.1, max_value=100
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)
    gas = forms.ChoiceField(
        choices=[("", "The preset's (air first)"), *Gas.choices], required=False
    )
    rush = forms.BooleanField(required=False)
    delivery = forms.ModelChoiceField(
        queryset=DeliveryOption.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label="None",
    )
    bends = forms.IntegerField(min_value=0, max_value=100, initial=0, required=False)


def _price_the_form(form: InstantQuoteForm) -> InstantQuote | None:
    """The form's drawing priced, or None with every refusal on the field it names (the form's
    own errors, then the shop's checks of the fields the form took)."""
    data = form.cleaned_data
    material, delivery = data.get("material"), data.get("delivery")
    try:
        return instant_quote(
            upload=data.get("file"),
            material=material.code if material else None,
            thickness_mm=data.get("thickness_mm"),
            quantity=data.get("quantity"),
            gas=data.get("gas") or "",
            rush=data.get("rush", False),
            delivery=delivery.code if delivery else "",
            bends=data.get("bends") or 0,
            preview=True,
            refused={name: [str(m) for m in found] for name, found in form.errors.items()},
        )
    except PricingError as exc:
        errors = getattr(exc, "errors", None) or {exc.field: [str(exc)]}
        for name, found in errors.items():
            if name in form.errors:
                continue  # the form's own, already shown
            for message in found:
                form.add_error(name if name in form.fields else None, message)
        return None


# Quotes live in their own module; the job list's auto-quote action is added to the job admin
# (registered before finance's, INSTALLED_APPS order).
# The "Estimate vs actual" page, served from the rates' admin as the instant quote is.
from .estimate_admin import add_estimates_page  # noqa: E402
from .quote_admin import QuoteAdmin  # noqa: E402

add_estimates_page()

__all__ = ["QuoteAdmin"]
from . import invoice_admin, payment_admin  # noqa: E402, F401  (the books)
