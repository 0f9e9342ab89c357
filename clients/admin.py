"""Admin for the clients app: clients with their contacts (and, from projects, their projects)."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from laseros.admin import PageInlinesMixin
from laseros.audit.admin import AuditedAdminMixin

from . import services
from .models import Client, Contact, normalise_client_code


def copy_saved(target, saved) -> None:
    """Make the admin's form instance the record a service saved (pk, generated fields)."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class ContactFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        primaries = [
            f
            for f in self.forms
            if f.cleaned_data.get("is_primary") and not f.cleaned_data.get("DELETE")
        ]
        if len(primaries) > 1:
            raise ValidationError("Mark only one contact as the primary contact.")


class ContactInline(admin.TabularInline):
    model = Contact
    formset = ContactFormSet
    extra = 0
    fields = ["name", "role", "email", "phone", "is_primary", "notes"]


@admin.register(Client)
class ClientAdmin(PageInlinesMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Saves go through clients.services (code generation, audit); deletes are audited."""

    inlines = [ContactInline]
    list_display = [
        "code",
        "name",
        "contact_person",
        "email",
        "phone",
        "payment_terms",
        "project_count",
        "is_active",
        "created_at",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", "payment_terms", "created_at"]
    search_fields = ["code", "name", "email", "phone", "contact_person", "contacts__email"]
    search_help_text = "Code (CL-0001 or CL0001), name, e-mail or phone."
    list_select_related = ["created_by"]
    readonly_fields = ["code", "created_at", "updated_at", "created_by"]
    date_hierarchy = "created_at"
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active"]}),
        ("Contact", {"fields": ["contact_person", "email", "phone", "address"]}),
        ("Terms", {"fields": ["vat_number", "payment_terms", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at", "created_by"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    def get_search_results(self, request, queryset, search_term):
        with contextlib.suppress(ValueError):
            search_term = normalise_client_code(search_term)  # "CL0001" finds CL-0001
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="jobs", ordering="project_count")
    def project_count(self, obj):
        return obj.project_count

    def save_model(self, request, obj, form, change):
        fields = [name for name in form.cleaned_data if name in services.CLIENT_EDITABLE_FIELDS]
        if change:
            changed = {n: form.cleaned_data[n] for n in fields if n in form.changed_data}
            saved = services.client_update(client=obj, by=request.user, **changed)
        else:
            saved = services.client_create(
                by=request.user, **{n: form.cleaned_data[n] for n in fields}
            )
        copy_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Contact:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for contact in formset.deleted_objects:
            services.contact_delete(contact=contact, by=request.user)
        for contact, changed in formset.changed_objects:
            fields = {
                n: getattr(contact, n) for n in changed if n in services.CONTACT_EDITABLE_FIELDS
            }
            services.contact_update(contact=contact, by=request.user, **fields)
        for contact in formset.new_objects:
            saved = services.contact_create(
                client=form.instance,
                by=request.user,
                **{n: getattr(contact, n) for n in services.CONTACT_EDITABLE_FIELDS},
            )
            copy_saved(contact, saved)
        formset.save_m2m()


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "role", "email", "phone", "is_primary"]
    list_filter = ["is_primary"]
    search_fields = ["name", "email", "phone", "client__code", "client__name"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]
