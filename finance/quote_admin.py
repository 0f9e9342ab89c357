"""Admin for quotes: the list, a quote's page with its lines (each drawing's picture and checks),
its totals and the buttons of its life (send, accept, decline, revise), and the job list's
"Quote from its drawings" action. Every button calls a service; none repeats a rule."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ingest.admin.parts import thumbnail_html
from laseros.admin import ReadOnlyInline, add_list_action, add_page_inline
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin
from projects.models import Project

from . import services
from .models import Quote, QuoteLine, QuoteStatus

QUOTE_MONEY = (
    "subtotal",
    "minimum_top_up",
    "delivery_price",
    "total_excl_vat",
    "vat",
    "total_incl_vat",
    "vat_rate",
    "vat_rate_pct",
)
LINE_MONEY = ("unit_price", "discount_pct", "line_total", "price_breakdown")

# The buttons on a quote's page: (action in the URL, label, the status it needs).
QUOTE_BUTTONS = (
    ("send", "Mark sent", QuoteStatus.DRAFT),
    ("accept", "Client accepted", QuoteStatus.SENT),
    ("decline", "Client declined", QuoteStatus.SENT),
    ("revise", "Revise (make the next revision)", QuoteStatus.SENT),
)


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def checks_html(checks: list) -> str:
    if not checks:
        return "—"
    return format_html(
        '<ul style="margin:0;padding-left:1em;color:var(--error-fg,#ba2121)">{}</ul>',
        format_html_join(
            "", "<li>{}</li>", ((c.get("message", c.get("code", "")),) for c in checks)
        ),
    )


class QuoteLineInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    """A quote's lines as priced; a draft's lines are added by its services (auto-quote)."""

    model = QuoteLine
    money_fields = LINE_MONEY
    fields = [
        "position",
        "picture",
        "description",
        "quantity",
        "unit_price",
        "discount_pct",
        "line_total",
        "drawing_checks",
        "price_breakdown",
    ]
    readonly_fields = fields
    verbose_name_plural = "lines"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("file__metadata", "product")

    @admin.display(description="drawing")
    def picture(self, line):
        return thumbnail_html(line.file, size=48) if line.file_id else "—"

    @admin.display(description="checks")
    def drawing_checks(self, line):
        """The drawing's checks when it was quoted (a hole smaller than the thickness ...)."""
        return checks_html(line.checks)

    @admin.display(description="how the price is made")
    def price_breakdown(self, line):
        if not line.breakdown:
            return "—"
        rows = ((item["label"], item["amount"]) for item in line.breakdown)
        extra = " (no preset: fallback speed)" if "no_preset" in (line.flags or []) else ""
        return format_html(
            "{}{}",
            format_html_join("", "<div>{}: R {}</div>", rows),
            extra,
        )


@admin.register(Quote)
class QuoteAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Quotes: made by auto-quote (the job list's action) or the services; a quote is never
    deleted (its number is part of a gap-free series) and a sent one never edited."""

    money_fields = QUOTE_MONEY
    inlines = [QuoteLineInline]
    list_display = [
        "label",
        "project",
        "client",
        "status",
        "sent_on",
        "expires_on",
        "total_excl_vat",
        "total_incl_vat",
        "has_checks",
    ]
    list_filter = ["status", "sent_on", "expires_on"]
    list_select_related = ["project", "client"]
    search_fields = ["number", "project__code", "project__name", "client__name", "client__code"]
    readonly_fields = [
        "number",
        "revision",
        "project",
        "client",
        "status",
        "status_reason",
        "sent_on",
        "expires_on",
        "accepted_at",
        "delivery_name",
        "delivery_price",
        "subtotal",
        "minimum_top_up",
        "total_excl_vat",
        "vat_rate_pct",
        "vat",
        "total_incl_vat",
        "created_at",
        "created_by",
    ]
    fieldsets = [
        (None, {"fields": [("number", "revision"), ("project", "client"), "status"]}),
        ("Dates", {"fields": [("sent_on", "expires_on"), "accepted_at", "status_reason"]}),
        (
            "Totals",
            {
                "fields": [
                    "subtotal",
                    "minimum_top_up",
                    ("delivery_name", "delivery_price"),
                    "total_excl_vat",
                    ("vat_rate_pct", "vat"),
                    "total_incl_vat",
                ]
            },
        ),
        ("For the client", {"fields": ["notes"]}),
        ("Record", {"fields": ["created_at", "created_by"], "classes": ["collapse"]}),
    ]
    change_form_template = "admin/finance/quote/change_form.html"

    def get_queryset(self, request):
        with_checks = QuoteLine.objects.filter(quote=OuterRef("pk")).exclude(checks=[])
        return super().get_queryset(request).annotate(any_checks=Exists(with_checks))

    @admin.display(description="quote", ordering="number")
    def label(self, quote):
        return quote.label

    @admin.display(description="VAT rate")
    def vat_rate_pct(self, quote):
        """The rate as the invoice says it: "15 %", not 0.1500."""
        return f"{(quote.vat_rate * 100).normalize():f} %"

    @admin.display(description="checks", boolean=True)
    def has_checks(self, quote):
        """A line's drawing has checks to look at before the quote goes out."""
        return getattr(quote, "any_checks", False)

    def has_add_permission(self, request):
        return False  # a quote starts from its job: the job list's "Quote from its drawings"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != QuoteStatus.DRAFT:
            fields.append("notes")  # what was sent stays as sent
        return fields

    def save_model(self, request, obj, form, change):
        if obj.status != QuoteStatus.DRAFT:
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/status/<str:action>/",
                self.admin_site.admin_view(self.status_view),
                name="finance_quote_status",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        quote = self.get_object(request, object_id)
        if quote is not None:
            can_change = self.has_change_permission(request, quote)
            extra_context["quote_buttons"] = [
                {"action": action, "label": label}
                for action, label, needs in QUOTE_BUTTONS
                if can_change and quote.status == needs
            ]
            extra_context["checked_lines"] = [line for line in quote.lines.all() if line.checks]
        return super().change_view(request, object_id, form_url, extra_context)

    def status_view(self, request, object_id, action):
        """One of the page's buttons (POST): the service says yes, or its message is shown."""
        quote = self.get_object(request, object_id)
        if quote is None:
            raise Http404("No such quote.")
        if request.method != "POST" or not self.has_change_permission(request, quote):
            raise PermissionDenied
        target = quote
        try:
            if action == "send":
                services.quote_send(quote=quote, by=request.user)
            elif action == "accept":
                services.quote_accept(quote=quote, by=request.user)
            elif action == "decline":
                reason = request.POST.get("reason", "")
                services.quote_decline(quote=quote, by=request.user, reason=reason)
            elif action == "revise":
                target = services.quote_revise(
                    quote=quote, by=request.user, reason=request.POST.get("reason", "")
                )
            else:
                raise ValidationError(f"{action!r} is not something a quote can do.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, f"{target.label} is now {target.get_status_display()}.")
        return HttpResponseRedirect(reverse("admin:finance_quote_change", args=[target.pk]))


@admin.action(description="Quote from its drawings (a draft, one line per part)")
def quote_from_drawings(modeladmin, request, queryset):
    """Auto-quote each chosen job from its measured drawings; a job that cannot be quoted says
    why and the others are still quoted."""
    if not request.user.has_perm("finance.add_quote"):
        messages.error(request, "Only those who may make quotes can do this.")
        return None
    for project in queryset:
        try:
            quote = services.quote_auto(project=project, by=request.user)
        except ValidationError as exc:
            messages.error(request, f"{project.code}: {errors_text(exc)}")
        else:
            url = reverse("admin:finance_quote_change", args=[quote.pk])
            messages.success(
                request,
                format_html(
                    '{}: quote <a href="{}">{}</a>, {} line(s), R {} excl. VAT.',
                    project.code,
                    url,
                    quote.label,
                    quote.lines.count(),
                    f"{quote.total_excl_vat:,.2f}".replace(",", " "),
                ),
            )
    return None


class JobQuotesInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    """A job's quotes on the job's page (projects cannot import finance): each revision, its
    status and dates and, for roles that see money, its totals; the quote's page has the rest."""

    model = Quote
    fk_name = "project"
    money_fields = QUOTE_MONEY
    verbose_name = "quote"
    verbose_name_plural = "quotes"
    fields = ["quote_link", "status", "sent_on", "expires_on", "total_excl_vat", "total_incl_vat"]
    readonly_fields = fields
    ordering = ["-created_at", "-revision"]

    @admin.display(description="quote")
    def quote_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:finance_quote_change", args=[obj.pk]), obj.label
        )


# Finance sits above projects: the job's page shows its quotes, and the job list offers the
# auto-quote, through the core's hooks.
add_page_inline(Project, JobQuotesInline)
add_list_action(Project, quote_from_drawings)
