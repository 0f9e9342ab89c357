"""Admin for webhooks out: the endpoints (the secret shown once, on the page after it is made or
rotated) and the delivery log (replay one, a selection or a time range; counts per hour).
Imported by comms.admin. Every write goes through comms.services.webhooks."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from laseros.event_types import EVENT_TYPES, event_choices

from .models import WebhookDelivery, WebhookEndpoint
from .selectors import webhook_delivery_counts
from .services import webhooks as services

SECRET_TEMPLATE = "admin/comms/webhookendpoint/secret.html"


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=event_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The events sent to this URL.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "description", "is_active"]

    def clean_url(self) -> str:
        """A new or changed URL passes the guard (no local or private address)."""
        url = self.cleaned_data["url"]
        if self.instance.pk is None or url != self.instance.url:
            try:
                services.clean_url(url)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["url"]) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "event_list", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "created_at",
        "created_by",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "previous_secret_expires_at",
    ]
    actions = ["rotate_secret"]

    @admin.display(description="events")
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(name for name in obj.events or [] if name in EVENT_TYPES)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data if name in form.Meta.fields}
            services.endpoint_update(endpoint=obj, by=request.user, **fields)
            return
        endpoint, secret = services.endpoint_create(
            url=data["url"], events=data["events"], description=data["description"], by=request.user
        )
        if not data.get("is_active", True):
            services.endpoint_update(endpoint=endpoint, by=request.user, is_active=False)
        obj.pk, obj._secret_once = endpoint.pk, secret

    def response_add(self, request, obj, post_url_continue=None):
        return self._secret_page(request, obj, obj._secret_once, made=True)

    def _secret_page(self, request, endpoint, secret, *, made: bool):
        """The one page that shows the secret; it is kept nowhere else for showing."""
        response = TemplateResponse(
            request,
            SECRET_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": "Webhook secret",
                "endpoint": endpoint,
                "secret": secret,
                "made": made,
                "opts": self.model._meta,
                "change_url": reverse("admin:comms_webhookendpoint_change", args=[endpoint.pk]),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Rotate the secret (the old one signs too for a while)")
    def rotate_secret(self, request, queryset):
        if not request.user.has_perm("comms.change_webhookendpoint"):
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(request, "Rotate one endpoint's secret at a time.", messages.ERROR)
            return None
        endpoint = queryset.get()
        secret = services.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        return self._secret_page(request, endpoint, secret, made=False)

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint=obj, by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, from its page (audited)
        return actions


class ReplayRangeForm(forms.Form):
    since = forms.DateTimeField(help_text="From (the shop's time), e.g. 2026-12-05 08:00")
    until = forms.DateTimeField(help_text="Until (not included)")
    endpoint = forms.ModelChoiceField(
        WebhookEndpoint.objects.all(), required=False, help_text="Empty: every endpoint."
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "status_code",
        "latency_ms",
        "next_try_at",
        "short_error",
    ]
    list_filter = ["status", "event__type", "endpoint"]
    list_select_related = ["event", "endpoint"]
    date_hierarchy = "created_at"
    search_fields = ["event__event_id", "error"]
    actions = ["replay"]
    change_list_template = "admin/comms/webhookdelivery/change_list.html"
    fields = (
        "event_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "created_at",
        "last_tried_at",
        "next_try_at",
        "delivered_at",
        "status_code",
        "latency_ms",
        "error",
        "response_excerpt",
        "payload",
    )
    readonly_fields = fields

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.display(description="event id")
    def event_id(self, obj: WebhookDelivery) -> str:
        return str(obj.event.event_id)

    @admin.display(description="payload")
    def payload(self, obj: WebhookDelivery) -> str:
        return services.event_body(obj.event).decode()

    @admin.display(description="error")
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.error[:80]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("comms.change_webhookdelivery")

    @admin.action(description="Replay the selected deliveries", permissions=["replay"])
    def replay(self, request, queryset):
        chosen = WebhookDelivery.objects.filter(pk__in=queryset.values("pk")).only("pk")
        count = services.deliveries_replay(deliveries=chosen, by=request.user)
        self.message_user(request, f"{count} deliveries will be sent again.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "replay-range/",
                self.admin_site.admin_view(self.replay_range_view),
                name="comms_webhookdelivery_replay_range",
            ),
            *super().get_urls(),
        ]

    def replay_range_view(self, request):
        if not self.has_replay_permission(request):
            raise PermissionDenied
        form = ReplayRangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = services.deliveries_replay_range(
                    since=form.cleaned_data["since"],
                    until=form.cleaned_data["until"],
                    endpoint=form.cleaned_data["endpoint"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"{count} deliveries will be sent again.")
                return redirect("admin:comms_webhookdelivery_changelist")
        return TemplateResponse(
            request,
            "admin/comms/webhookdelivery/replay_range.html",
            {
                **self.admin_site.each_context(request),
                "title": "Replay webhook deliveries made in a time range",
                "form": form,
                "opts": self.model._meta,
            },
        )

    def changelist_view(self, request, extra_context=None):
        hours = webhook_delivery_counts(hours=24)
        extra = {
            "delivery_hours": [
                (timezone.localtime(row.hour), row.pending, row.failed, row.delivered)
                for row in hours
            ],
            "can_replay": self.has_replay_permission(request),
            "since_24h": timezone.localtime() - dt.timedelta(hours=24),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})
