"""Admin for inventory: materials, sheet stock (counts move only through the service), the
movement ledger (read-only), offcuts."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from laseros.admin import ReadOnlyAdmin
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin, can_see_money

from . import services
from .constants import material_code
from .models import (
    MAX_SIDE_MM,
    Material,
    MovementKind,
    Offcut,
    OffcutStatus,
    SheetStock,
    StockMovement,
)
from .selectors import stock_value


def _rand(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"R {value:,.2f}".replace(",", " ")


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "density_g_cm3",
        "max_thickness_mm",
        "alias_list",
        "stock_items",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(stock_count=Count("stock"))

    @admin.display(description="names users type")
    def alias_list(self, obj):
        return ", ".join(obj.aliases or [])

    @admin.display(description="stock items", ordering="stock_count")
    def stock_items(self, obj):
        return obj.stock_count


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        return [
            ("low", "Low (at or below reorder level)"),
            ("out", "Out of stock"),
            ("ok", "Above reorder level"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low()
        if self.value() == "out":
            return queryset.filter(quantity_on_hand=0)
        if self.value() == "ok":
            return queryset.filter(quantity_on_hand__gt=F("reorder_level"))
        return queryset


class SheetStockForm(forms.ModelForm):
    opening_quantity = forms.IntegerField(
        min_value=0,
        initial=0,
        required=False,
        help_text="Sheets on hand now; booked as an opening-balance movement.",
    )

    class Meta:
        model = SheetStock
        fields = [
            "material",
            "thickness_mm",
            "width_mm",
            "length_mm",
            "location",
            "reorder_level",
            "reorder_quantity",
            "unit_cost",
            "supplier",
            "notes",
            "is_active",
        ]


# --- the stock search: "MS 8mm 1225×2450", as the options read ----------------------------------

# A sheet size: two whole numbers of millimetres with x, × or * between them.
_SIZE = re.compile(r"(\d{1,7})\s*[x×*]\s*(\d{1,7})", re.ASCII | re.IGNORECASE)
# A thickness or a side: a number, with or without "mm" ("8", "8mm", "0,8 mm", "1.2").
_NUMBER = re.compile(r"(\d{1,7}(?:[.,]\d{1,3})?)(mm)?", re.ASCII | re.IGNORECASE)
# A number below this is read as a thickness, from it on as a sheet side (mm).
_SIDE_FROM_MM = 100


def _materials_by_name() -> dict[str, str]:
    """Every name of every material, lower case -> code: the codes and the aliases users type."""
    names: dict[str, str] = {}
    for code, aliases in Material.objects.values_list("code", "aliases"):
        names[code.lower()] = code
        for alias in aliases if isinstance(aliases, list) else ():
            if isinstance(alias, str):
                names.setdefault(alias.strip().lower(), code)
    return names


def _material_of(words: list[str], names: dict[str, str]) -> str | None:
    text = " ".join(words).lower()
    return names.get(text) or material_code(text)


def _number_term(word: str) -> Q | None:
    """A thickness ("8", "8mm", "0,8mm") or a side ("1225"); None when it is not a number."""
    match = _NUMBER.fullmatch(word)
    if not match:
        return None
    value = Decimal(match.group(1).replace(",", "."))
    if value < _SIDE_FROM_MM:
        return Q(thickness_mm=value)
    if value != value.to_integral_value() or value > MAX_SIDE_MM:
        return Q(pk__in=[])  # no sheet has that side
    return Q(width_mm=int(value)) | Q(length_mm=int(value))


def _size_term(first: str, second: str) -> Q:
    a, b = int(first), int(second)
    if max(a, b) > MAX_SIDE_MM:
        return Q(pk__in=[])
    return Q(width_mm=a, length_mm=b) | Q(width_mm=b, length_mm=a)


def sheet_stock_terms(term: str, search_fields: list[str]) -> Q:
    """The search `term` as a filter: each word a material (code or name as users type it), a
    thickness, a sheet side or size, or else text in the other searched fields; all must hold."""
    names = _materials_by_name()
    term = term.replace("\x00", " ")
    terms = [_size_term(a, b) for a, b in _SIZE.findall(term)]
    rest = _SIZE.sub(" ", term)
    rest = re.sub(r"(?<=[A-Za-z])(?=\d)", " ", rest)  # MS8 -> MS 8
    rest = re.sub(r"(?<=\d)\s+(?=mm\b)", "", rest, flags=re.IGNORECASE)  # 8 mm -> 8mm
    words = [w for w in rest.split() if w.lower() != "mm"]
    i = 0
    while i < len(words):
        # The longest run of words (three at most) that names a material: "mild steel", "ms".
        width = next((n for n in (3, 2, 1) if _material_of(words[i : i + n], names)), 0)
        if width:
            code = _material_of(words[i : i + width], names)
            terms.append(Q(material__code=code))
            i += width
            continue
        number = _number_term(words[i])
        if number is not None:
            terms.append(number)
        else:
            text = Q()
            for field in search_fields:
                text |= Q(**{f"{field}__icontains": words[i]})
            terms.append(text)
        i += 1
    combined = Q()
    for q in terms:
        combined &= q
    return combined


@admin.register(SheetStock)
class SheetStockAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = SheetStockForm
    money_fields = ("unit_cost", "value", "value_now")
    change_list_template = "admin/inventory/sheetstock/change_list.html"
    # What a manager runs the rack by, one line per kind of sheet at 1440 and 1024 wide (issue
    # 10): the supplier and the rest are on the sheet's page; the active filter finds old rows.
    list_display = [
        "material_name",
        "thickness",
        "sheet_size",
        "on_hand",
        "reorder_level",
        "suggested_order",
        "location",
        "unit_cost",
        "value",
        "move_link",
    ]
    list_display_links = ["material_name", "thickness"]
    list_filter = [StockLevelFilter, "material", "thickness_mm", "location", "is_active"]
    search_fields = ["material__code", "material__name", "location", "supplier", "notes"]
    autocomplete_fields = ["material"]
    list_select_related = ["material"]
    readonly_fields = ["quantity_on_hand", "value_now", "recent_movements"]
    actions = ["receive_suggested"]
    ordering = ["material__code", "thickness_mm", "width_mm"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_value()

    def get_search_results(self, request, queryset, search_term):
        """Read "MS 8mm 1225×2450" as the options show it (the run form's stock picker uses
        this too); a term that finds nothing that way gets the plain text search ("Rack C")."""
        if not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        found = queryset.filter(sheet_stock_terms(search_term, self.search_fields))
        if found.exists():
            return found, False
        return super().get_search_results(request, queryset, search_term)

    def get_fields(self, request, obj=None):
        fields = list(SheetStockForm.Meta.fields)
        if obj is None:
            return [*fields, "opening_quantity"]
        return [*fields, "quantity_on_hand", "value_now", "recent_movements"]

    @admin.display(description="material", ordering="material__code")
    def material_name(self, obj):
        """ "MS Mild steel" (at 1024 wide the code alone, the name in its tooltip); an inactive
        kind of sheet says so."""
        material = obj.material
        return format_html(
            '<span title="{}"><span class="code">{}</span> <span class="name">{}</span></span>{}',
            material.name,
            material.code,
            material.name,
            "" if obj.is_active else format_html(' <span class="quiet">{}</span>', "(inactive)"),
        )

    @admin.display(description="thickness (mm)", ordering="thickness_mm")
    def thickness(self, obj):
        # 3, 1.2, 10 (not 3.00, nor 1E+1): a number, so in an export too
        value = obj.thickness_mm
        return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()

    @admin.display(description="size (mm)")
    def sheet_size(self, obj):
        return f"{obj.width_mm}×{obj.length_mm}"

    @admin.display(description="on hand", ordering="quantity_on_hand")
    def on_hand(self, obj):
        return obj.quantity_on_hand

    @admin.display(description="to order", ordering="to_order")
    def suggested_order(self, obj):
        return obj.to_order or ""

    @admin.display(description="value (ZAR)", ordering="value")
    def value(self, obj):
        return _rand(obj.value)

    @admin.display(description="value (ZAR)")
    def value_now(self, obj):
        return _rand(obj.stock_value)

    @admin.display(description="")
    def move_link(self, obj):
        url = reverse("admin:inventory_sheetstock_move", args=[obj.pk])
        return format_html(
            '<a href="{}" title="Receive, use or adjust: {}">Receive / use / adjust</a>', url, obj
        )

    @admin.display(description="last movements")
    def recent_movements(self, obj):
        rows = obj.movements.select_related("by")[:10]
        if not rows:
            return "—"
        url = reverse("admin:inventory_stockmovement_changelist") + f"?stock__id__exact={obj.pk}"
        return format_html(
            "{}<div><a href='{}'>All movements</a></div>",
            format_html_join(
                "\n",
                "<div>{} · {} {} → {} · {} {}</div>",
                (
                    (
                        m.created_at.strftime("%Y-%m-%d %H:%M"),
                        m.get_kind_display(),
                        f"{m.quantity:+d}",
                        m.balance_after,
                        m.by or "system",
                        m.reference or m.reason,
                    )
                    for m in rows
                ),
            ),
            url,
        )

    def save_model(self, request, obj, form, change):
        """Through the services: the count is never saved from a form (see stock_move)."""
        model_fields = [f for f in form.cleaned_data if f in {x.name for x in obj._meta.fields}]
        if change:
            changed = {f: form.cleaned_data[f] for f in form.changed_data if f in model_fields}
            if changed:
                services.stock_update(stock=obj, by=request.user, **changed)
            return
        values = {f: form.cleaned_data[f] for f in model_fields}
        created = services.stock_create(
            by=request.user,
            opening_quantity=form.cleaned_data.get("opening_quantity") or 0,
            **values,
        )
        obj.pk = created.pk
        obj.quantity_on_hand = created.quantity_on_hand
        obj._state.adding = False

    @admin.action(description="Receive the suggested order quantity (low stock)")
    def receive_suggested(self, request, queryset):
        received = 0
        for stock in queryset.filter(to_order__gt=0):
            services.stock_receive(
                stock=stock, quantity=stock.to_order, by=request.user, reason="reorder received"
            )
            received += 1
        self.message_user(request, f"Received stock for {received} item(s).", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="inventory_sheetstock_move",
            ),
            *super().get_urls(),
        ]

    def move_view(self, request, pk):
        """A small form on the stock page: receive, use, return, waste, adjust or count."""
        stock = get_object_or_404(SheetStock.objects.select_related("material"), pk=pk)
        if not (
            request.user.has_perm("inventory.add_stockmovement")
            and self.has_view_permission(request, stock)
        ):
            return self.admin_site.refuse(request, "record stock movements")
        form = StockMoveForm(request.POST or None)
        if not can_see_money(request.user):
            del form.fields["unit_cost"]  # a receipt's new price is not an operator's to see
        if request.method == "POST" and form.is_valid():
            try:
                form.apply(stock=stock, by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request, f"{stock}: {stock.quantity_on_hand} on hand.", messages.SUCCESS
                )
                return redirect("admin:inventory_sheetstock_change", stock.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move stock: {stock}",
            "stock": stock,
            "form": form,
            "opts": self.opts,
            "original": stock,
        }
        return TemplateResponse(request, "inventory/admin/stock_move.html", context)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context and can_see_money(request.user):
            context["stock_value_total"] = _rand(stock_value(context["cl"].queryset))
        return response


class StockMoveForm(forms.Form):
    """What a storeman does to a stock, in their words; the sign follows from the kind."""

    KINDS = [
        ("purchase", "Receive (purchase)"),
        ("usage", "Use (cut)"),
        ("return", "Return to stock"),
        ("waste", "Waste (damaged, scrapped)"),
        ("adjustment", "Adjust by (+/−)"),
        ("count", "Stock take: set the count to"),
    ]
    kind = forms.ChoiceField(choices=KINDS)
    quantity = forms.IntegerField(help_text="Sheets. Negative only for 'Adjust by'.")
    reason = forms.CharField(max_length=255, required=False)
    reference = forms.CharField(max_length=120, required=False, help_text="e.g. PO 881")
    unit_cost = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0,
        help_text="New price per sheet (receiving only).",
    )

    def clean(self):
        data = super().clean()
        kind, quantity = data.get("kind"), data.get("quantity")
        if quantity is None or kind is None:
            return data
        if kind == "count":
            if quantity < 0:
                self.add_error("quantity", "A count cannot be negative.")
        elif kind == "adjustment":
            if quantity == 0:
                self.add_error("quantity", "Adjust by a number other than 0.")
        elif quantity <= 0:
            self.add_error("quantity", "Give the number of sheets (1 or more).")
        return data

    def apply(self, *, stock: SheetStock, by) -> None:
        data = self.cleaned_data
        kind, quantity = data["kind"], data["quantity"]
        reason, reference = data.get("reason") or "", data.get("reference") or ""
        if kind == "count":
            services.stock_adjust(stock=stock, counted=quantity, by=by, reason=reason or "count")
        elif kind == "purchase":
            services.stock_receive(
                stock=stock,
                quantity=quantity,
                by=by,
                reason=reason,
                reference=reference,
                unit_cost=data.get("unit_cost"),
            )
        else:
            sign = -1 if kind in (MovementKind.USAGE, MovementKind.WASTE) else 1
            services.stock_move(
                stock=stock,
                kind=kind,
                quantity=sign * quantity,
                by=by,
                reason=reason,
                reference=reference,
            )


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The ledger: written only by inventory.services.stock_move."""

    list_display = [
        "created_at",
        "stock",
        "kind",
        "quantity",
        "balance_after",
        "by",
        "reference",
        "reason",
    ]
    list_filter = [
        "kind",
        "stock__material",
        "created_at",
        ("by", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "reference",
        "reason",
        "stock__material__code",
        "stock__location",
        "=stock__id",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["stock__material", "by"]
    readonly_fields = [
        "stock",
        "kind",
        "quantity",
        "balance_after",
        "by",
        "created_at",
        "reason",
        "reference",
        "caused_by_type",
        "caused_by_id",
    ]
    show_full_result_count = False


@admin.register(Offcut)
class OffcutAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "tag",
        "material",
        "thickness_mm",
        "size",
        "location",
        "status",
        "source_reference",
        "created_at",
    ]
    list_filter = ["status", "material", "thickness_mm", "location"]
    search_fields = ["tag", "location", "source_reference", "notes", "material__code"]
    autocomplete_fields = ["material", "source_stock"]
    list_select_related = ["material"]
    readonly_fields = ["tag", "status", "created_at"]
    date_hierarchy = "created_at"
    actions = ["mark_used", "mark_scrapped"]

    @admin.display(description="size (mm)")
    def size(self, obj):
        return obj.size

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.offcut_create(
            material=obj.material,
            thickness_mm=obj.thickness_mm,
            width_mm=obj.width_mm,
            length_mm=obj.length_mm,
            location=obj.location,
            source_stock=obj.source_stock,
            source_reference=obj.source_reference,
            notes=obj.notes,
            by=request.user,
        )
        obj.pk, obj.tag = created.pk, created.tag
        obj._state.adding = False

    def _set_status(self, request, queryset, to):
        done, refused = 0, []
        for offcut in queryset:
            try:
                services.offcut_set_status(offcut=offcut, to=to, by=request.user)
                done += 1
            except ValidationError as exc:
                refused.append(" ".join(exc.messages))
        if done:
            self.message_user(request, f"{done} offcut(s) marked {to}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Mark used")
    def mark_used(self, request, queryset):
        self._set_status(request, queryset, OffcutStatus.USED)

    @admin.action(description="Mark scrapped")
    def mark_scrapped(self, request, queryset):
        self._set_status(request, queryset, OffcutStatus.SCRAPPED)
