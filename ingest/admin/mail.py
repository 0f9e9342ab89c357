"""Admin for e-mail intake: every e-mail read, with what became of it and its attachments, and
the manager's list of e-mails from unknown senders ("Match to client…", "Discard"), plus
"Try again" for one that failed. Every write goes through ingest.mail.services (audited).
The stored message (.eml, every attachment in it) can be downloaded by whoever may view it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from clients.models import Client
from laseros.admin import ReadOnlyMixin, add_page_inline
from laseros.files import stored_file_response
from projects.models import Project

from ..mail import services
from ..models import MailAttachment, MailMessage, MailStatus


class MailAttachmentInline(ReadOnlyMixin, admin.TabularInline):
    """What became of each attachment (stored, refused and why, skipped logo, waiting)."""

    model = MailAttachment
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = (
        "position",
        "name",
        "content_type",
        "size_bytes",
        "forwarded",
        "outcome",
        "detail",
    )
    verbose_name_plural = "attachments"


class MatchClientForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(is_active=True).order_by("code"),
        help_text="Who sent these e-mails: each is filed as if this client's contact had sent it "
        "(a new job, or the job its subject names). Add the sender as a contact on the client "
        "so the next e-mail is matched by itself.",
    )


@admin.register(MailMessage)
class MailMessageAdmin(admin.ModelAdmin):
    """E-mails read from the shop's mailbox; the unknown senders' list is its status filter."""

    list_display = [
        "received_at",
        "from_address",
        "subject",
        "status",
        "client",
        "job_code",
        "attachment_count",
        "attempts",
    ]
    list_filter = ["status", "received_at"]
    search_fields = ["from_address", "from_name", "subject", "message_id", "project__code"]
    list_select_related = ["client", "project"]
    show_full_result_count = False
    inlines = [MailAttachmentInline]
    actions = ["match_to_client", "discard", "try_again"]
    fieldsets = [
        (None, {"fields": ["status", "from_address", "from_name", "subject", "sent_at"]}),
        ("Filed", {"fields": ["client", "project", "created_job", "outcome", "measured_at"]}),
        ("Failure", {"fields": ["failure_reason", "attempts", "traceback"]}),
        (
            "The message",
            {
                "fields": [
                    "stored_message",
                    "body_text",
                    "message_id",
                    "mailbox",
                    "reference",
                    "size_bytes",
                    "received_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    def get_readonly_fields(self, request, obj=None):
        return [
            f.name for f in MailMessage._meta.concrete_fields if f.name not in ("id", "raw")
        ] + ["stored_message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a person looks here; what changes goes through the actions

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is lost: a manager discards, the stored message stays

    def has_manage_permission(self, request) -> bool:
        """Matching and discarding is a manager's: who may delete e-mails in the role matrix."""
        return request.user.has_perm("ingest.delete_mailmessage")

    @admin.display(description="job", ordering="project__code")
    def job_code(self, obj):
        return obj.project.code if obj.project_id else ""

    @admin.display(description="attachments", ordering="attachment_count")
    def attachment_count(self, obj):
        return obj.attachment_count

    @admin.display(description="stored message")
    def stored_message(self, obj):
        if obj is None or not obj.pk:
            return ""
        url = reverse("admin:ingest_mailmessage_eml", args=[obj.pk])
        return format_html('<a href="{}">Download the .eml ({} bytes)</a>', url, obj.size_bytes)

    # --- actions --------------------------------------------------------------------------------

    @admin.action(description="Match to client… (selected e-mails)", permissions=["manage"])
    def match_to_client(self, request, queryset):
        waiting = list(queryset.filter(status__in=[MailStatus.UNKNOWN_SENDER, MailStatus.FAILED]))
        if not waiting:
            self.message_user(
                request,
                "Choose e-mails from unknown senders (or ones that failed): the others are "
                "filed or discarded already.",
                messages.WARNING,
            )
            return None
        form = MatchClientForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            context = {
                **self.admin_site.each_context(request),
                "title": "Match to client",
                "opts": self.model._meta,
                "mail_messages": waiting,
                "form": form,
                "action": request.POST.get("action"),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "admin/ingest/mailmessage/match_client.html", context)
        client = form.cleaned_data["client"]
        for message in waiting:
            try:
                services.mail_match_client(message=message, client=client, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            level = messages.SUCCESS if message.status == MailStatus.FILED else messages.ERROR
            self.message_user(request, services.summary(message), level)
        return None

    @admin.action(description="Discard (selected e-mails)", permissions=["manage"])
    def discard(self, request, queryset):
        done = 0
        for message in queryset:
            try:
                services.mail_discard(message=message, by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
        if done:
            self.message_user(
                request,
                f"{done} e-mail(s) discarded; the stored messages stay on record.",
                messages.SUCCESS,
            )

    @admin.action(description="Try again (selected e-mails that failed)", permissions=["manage"])
    def try_again(self, request, queryset):
        for message in queryset:
            try:
                services.mail_retry(message=message, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
                continue
            level = messages.SUCCESS if message.status != MailStatus.FAILED else messages.ERROR
            self.message_user(request, services.summary(message), level)

    # --- the stored message -----------------------------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/eml/",
                self.admin_site.admin_view(self.eml_view),
                name="ingest_mailmessage_eml",
            )
        ]
        return own + super().get_urls()

    def eml_view(self, request, object_id: int):
        message = get_object_or_404(MailMessage, pk=object_id)
        if not self.has_view_permission(request, message):
            raise PermissionDenied
        return stored_file_response(message.raw.name, "message/rfc822", f"e-mail-{message.pk}.eml")


class ProjectMailInline(ReadOnlyMixin, admin.TabularInline):
    """The e-mails a job came from or that joined it, on the job's page (projects cannot import
    ingest)."""

    model = MailMessage
    fk_name = "project"
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ("received_at", "from_address", "subject", "status", "created_job")
    verbose_name = "e-mail"
    verbose_name_plural = "e-mails"


add_page_inline(Project, ProjectMailInline)
