"""Admin for comms: the templates (checked when saved, previewed for a real job), the outbox
(resend, mark sent by hand, the wa.me link), the calls noted by hand, and the timeline inlines on
the client's and the job's pages (comms sits above them: laseros.admin.add_page_inline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clients.models import Client
from laseros.admin import ReadOnlyInline, add_page_inline
from projects.models import Project

from .models import (
    Channel,
    ClientMessagePreference,
    Communication,
    CommunicationAttachment,
    CommunicationStatus,
    ConversationNote,
    MessageTemplate,
    Notification,
)
from .rendering import RenderError, message_context, render_template, variable_list
from .services import (
    communication_mark_sent,
    communication_resend,
    note_record,
    template_save,
)
from .whatsapp import wa_me_link

S = CommunicationStatus


# --- templates ---------------------------------------------------------------------------------


class PreviewForm(forms.Form):
    job = forms.CharField(
        label="Job code",
        max_length=40,
        help_text="A real job's code (JB-…): the preview uses its client, contact and dates.",
    )

    def clean_job(self) -> Project:
        code = self.cleaned_data["job"].strip()
        job = (
            Project.objects.select_related("client", "material")
            .prefetch_related("client__contacts")
            .filter(code__iexact=code)
            .first()
        )
        if job is None:
            raise ValidationError(f"There is no job {code}.")
        return job


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "channel", "is_active", "updated_at", "preview_link"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "key", "subject", "body"]
    readonly_fields = ["variables", "preview_link"]
    fieldsets = [
        (None, {"fields": ["name", "key", "channel", "is_active", "description"]}),
        ("Text", {"fields": ["subject", "body", "variables", "preview_link"]}),
        (
            "WhatsApp",
            {"fields": ["whatsapp_name", "whatsapp_language", "whatsapp_parameters"]},
        ),
    ]

    @admin.display(description="variables")
    def variables(self, obj=None):
        return format_html(
            "Write them as {{{{ client.name }}}}; filters: upper, lower, title, capfirst, default, "
            "date (e.g. {{{{ job.due_date|date:'j F Y' }}}}), truncatechars, truncatewords, "
            "yesno. No tags.<br>{}",
            ", ".join(variable_list()),
        )

    @admin.display(description="preview")
    def preview_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:comms_messagetemplate_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview for a job</a>', url)

    def save_model(self, request, obj, form, change):
        template_save(template=obj, by=request.user)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/preview/", preview, name="comms_messagetemplate_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        """The template rendered for a real job the manager names (nothing is sent)."""
        template = get_object_or_404(MessageTemplate, pk=pk)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        rendered, error, job = None, "", None
        if form.is_valid():
            job = form.cleaned_data["job"]
            try:
                rendered = render_template(template, message_context(job=job))
            except RenderError as exc:
                error = str(exc)
        elif not request.GET:
            job = Project.objects.order_by("-created_at").first()
            if job is not None:
                form = PreviewForm(initial={"job": job.code})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Preview: {template}",
            "template_obj": template,
            "form": form,
            "rendered": rendered,
            "error": error,
            "job": job,
        }
        return TemplateResponse(request, "admin/comms/messagetemplate/preview.html", context)


# --- the outbox --------------------------------------------------------------------------------


class AttachmentInline(ReadOnlyInline, admin.TabularInline):
    model = CommunicationAttachment
    fields = ["filename", "content_type", "size_bytes"]
    readonly_fields = fields


@admin.action(description="Send again", permissions=["change"])
def resend(modeladmin, request, queryset):
    done, refused = 0, []
    for communication in queryset:
        try:
            communication_resend(communication=communication, by=request.user)
            done += 1
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
    if done:
        modeladmin.message_user(request, f"{done} message(s) sent again.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


@admin.action(description="Mark sent (sent by hand through its wa.me link)", permissions=["change"])
def mark_sent(modeladmin, request, queryset):
    done, refused = 0, []
    for communication in queryset:
        try:
            communication_mark_sent(communication=communication, by=request.user)
            done += 1
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
    if done:
        modeladmin.message_user(request, f"{done} message(s) marked sent.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


def whatsapp_link(obj: Communication) -> str:
    if obj.channel != Channel.WHATSAPP or not obj.body:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">Open in WhatsApp</a>',
        wa_me_link(obj.to, obj.body),
    )


@admin.register(Communication)
class CommunicationAdmin(admin.ModelAdmin):
    """The outbox: every message, what it said, and what became of it. Nothing here is edited;
    a manager sends a failed one again, or marks a WhatsApp sent by hand."""

    list_display = [
        "created_at",
        "channel",
        "to",
        "subject_or_text",
        "client",
        "job",
        "status",
        "attempts",
        "reason",
        "wa_link",
    ]
    list_filter = ["status", "channel", "template"]
    search_fields = ["to", "subject", "document_label", "client__name", "job__code"]
    list_select_related = ["client", "job"]
    actions = [resend, mark_sent]
    inlines = [AttachmentInline]
    show_full_result_count = False
    readonly_fields = [
        "channel",
        "to",
        "template",
        "subject",
        "body",
        "whatsapp_parameters",
        "wa_link",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "provider_id",
        "event_key",
        "client",
        "job",
        "document_label",
        "created_at",
        "created_by",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="subject or text")
    def subject_or_text(self, obj):
        return obj.subject or obj.body[:60]

    @admin.display(description="why it failed")
    def reason(self, obj):
        return obj.last_error[:120] if obj.status in (S.FAILED, S.QUEUED) else ""

    @admin.display(description="WhatsApp link")
    def wa_link(self, obj):
        return whatsapp_link(obj)


# --- calls and messages noted by hand ----------------------------------------------------------


@admin.register(ConversationNote)
class ConversationNoteAdmin(admin.ModelAdmin):
    list_display = ["happened_at", "client", "job", "kind", "summary_start", "noted_by"]
    list_filter = ["kind"]
    search_fields = ["summary", "client__name", "job__code"]
    list_select_related = ["client", "job", "noted_by"]
    autocomplete_fields = ["client", "job"]
    fields = ["client", "job", "kind", "happened_at", "summary"]

    def get_changeform_initial_data(self, request):
        return {"happened_at": timezone.now(), **super().get_changeform_initial_data(request)}

    @admin.display(description="summary")
    def summary_start(self, obj):
        return obj.summary[:80]

    def save_model(self, request, obj, form, change):
        if change:
            from laseros.audit import save_audited

            save_audited(obj, by=request.user, message="note changed via admin")
            return
        saved = note_record(
            client=obj.client,
            job=obj.job,
            kind=obj.kind,
            summary=obj.summary,
            happened_at=obj.happened_at,
            by=request.user,
        )
        obj.pk = saved.pk


def _notes_formset(base, request, parent_field: str):
    """The inline's formset: a new note is written by note_record (audited, noted by the user)."""

    class NotesFormSet(base):
        def save_new(self, form, commit=True):
            obj = form.instance
            parent = self.instance
            client = parent if parent_field == "client" else parent.client
            job = obj.job if parent_field == "client" else parent
            return note_record(
                client=client,
                job=job,
                kind=obj.kind,
                summary=obj.summary,
                happened_at=obj.happened_at,
                by=request.user,
            )

    return NotesFormSet


class NoteInlineBase(admin.TabularInline):
    model = ConversationNote
    extra = 1
    can_delete = False
    verbose_name = "call or message noted by hand"
    verbose_name_plural = "timeline: calls and messages noted by hand"
    readonly_fields = ["noted_by"]
    parent_field = "client"
    formset = BaseInlineFormSet

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("noted_by", "job")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["happened_at"].initial = timezone.now
        return _notes_formset(formset, request, self.parent_field)

    def has_change_permission(self, request, obj=None):
        return False  # a note is added, not rewritten (its own page changes it)


class ClientNotesInline(NoteInlineBase):
    fk_name = "client"
    fields = ["happened_at", "kind", "job", "summary", "noted_by"]
    raw_id_fields = ["job"]


class JobNotesInline(NoteInlineBase):
    fk_name = "job"
    parent_field = "job"
    fields = ["happened_at", "kind", "summary", "noted_by"]


class MessagesInlineBase(ReadOnlyInline, admin.TabularInline):
    model = Communication
    fields = ["created_at", "channel", "to", "subject_or_text", "status", "why", "message_link"]
    readonly_fields = fields
    verbose_name = "message"
    verbose_name_plural = "timeline: messages sent"
    ordering = ["-created_at"]

    @admin.display(description="subject or text")
    def subject_or_text(self, obj):
        return obj.subject or obj.body[:60]

    @admin.display(description="why it failed")
    def why(self, obj):
        return obj.last_error[:120] if obj.status != S.SENT else ""

    @admin.display(description="")
    def message_link(self, obj):
        url = reverse("admin:comms_communication_change", args=[obj.pk])
        links = [(url, "open")]
        if obj.channel == Channel.WHATSAPP and obj.status == S.BY_HAND:
            links.append((wa_me_link(obj.to, obj.body), "WhatsApp"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


class ClientMessagesInline(MessagesInlineBase):
    fk_name = "client"


class JobMessagesInline(MessagesInlineBase):
    fk_name = "job"


class ClientPreferenceInline(admin.StackedInline):
    """How the client wants to hear from the shop: the channel, and status updates (opt-in)."""

    model = ClientMessagePreference
    fields = ["channel", "status_updates"]
    max_num = 1
    extra = 1
    can_delete = False
    verbose_name_plural = "messages: channel and status updates"

    def get_formset(self, request, obj=None, **kwargs):
        base = super().get_formset(request, obj, **kwargs)

        class AuditedFormSet(base):  # type: ignore[valid-type,misc]
            def save_new(self, form, commit=True):
                from laseros.audit import save_audited

                form.instance.client = self.instance
                return save_audited(form.instance, by=request.user, message="via admin")

            def save_existing(self, form, obj, commit=True):
                from laseros.audit import save_audited

                return save_audited(obj, by=request.user, message="via admin")

        return AuditedFormSet


add_page_inline(Client, ClientPreferenceInline)
add_page_inline(Client, ClientMessagesInline)
add_page_inline(Client, ClientNotesInline)
add_page_inline(Project, JobMessagesInline)
add_page_inline(Project, JobNotesInline)


# --- in-app notifications (the bell): opened and closed by the evaluation, read-only here --------


class NotificationOpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What the bell rang for, open and closed; the evaluation writes them, nobody edits them."""

    list_display = ["title", "kind", "severity", "audience", "opened_at", "closed_at", "read_by"]
    list_filter = [NotificationOpenFilter, "kind", "severity", "audience"]
    search_fields = ["title", "cause_key"]
    date_hierarchy = "opened_at"
    fields = [
        "title",
        "text",
        "link",
        "kind",
        "severity",
        "audience",
        "cause_key",
        "opened_at",
        "closed_at",
        "read_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(read_count=Count("reads", distinct=True))

    @admin.display(description="read by", ordering="read_count")
    def read_by(self, obj: Notification) -> str:
        count = getattr(obj, "read_count", None)
        if count is None:
            count = obj.reads.count()
        return f"{count} {'person' if count == 1 else 'people'}"

    @admin.display(description="link")
    def link(self, obj: Notification) -> str:
        return format_html('<a href="{}">{}</a>', obj.url, obj.url) if obj.url else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Webhooks out: their admin is its own module (this one stays within the house's length).
from . import webhook_admin  # noqa: E402, F401
