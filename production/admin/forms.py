"""Forms of the production admin: the preset form with its change-log fields, and the
"record a run" page (a run form plus rows for its jobs and its sheets)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from inventory.models import SheetStock

from ..models import (
    PRESET_TUNED_FIELDS,
    CutPreset,
    LaserRun,
    LaserRunProject,
    LaserRunSheet,
    Machine,
    Operator,
    QualityEffect,
)


def registered_with_search(admin_site, model) -> bool:
    model_admin = admin_site._registry.get(model)
    return bool(model_admin and model_admin.search_fields)


class CutPresetForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=255,
        required=False,
        help_text="Why you changed it (goes into the change log; needed to save a change).",
    )
    quality_effect = forms.ChoiceField(
        choices=QualityEffect.choices, initial=QualityEffect.UNKNOWN, required=False
    )
    quality_note = forms.CharField(max_length=255, required=False)

    class Meta:
        model = CutPreset
        fields = list(PRESET_TUNED_FIELDS)

    def clean_nozzle(self):
        return (self.cleaned_data.get("nozzle") or "").strip().upper()

    def clean(self):
        data = super().clean()
        tuned = [f for f in self.changed_data if f in PRESET_TUNED_FIELDS]
        if self.instance.pk and tuned and not (data.get("change_reason") or "").strip():
            self.add_error("change_reason", "Say why the preset is changed.")
        return data


def _autocomplete(field, model, name, site) -> None:
    """Give a plain form's choice field the admin's autocomplete widget (the target's search)."""
    field.widget = AutocompleteSelect(model._meta.get_field(name), site)
    field.widget.choices = field.choices


class RunRecordForm(forms.Form):
    machine = forms.ModelChoiceField(Machine.objects.active())
    operator = forms.ModelChoiceField(Operator.objects.filter(is_active=True))
    preset = forms.ModelChoiceField(CutPreset.objects.filter(is_active=True), required=False)
    started_at = forms.SplitDateTimeField(widget=admin.widgets.AdminSplitDateTime)
    ended_at = forms.SplitDateTimeField(widget=admin.widgets.AdminSplitDateTime)
    parts_cut = forms.IntegerField(
        min_value=0, required=False, help_text="Empty: the sum of the jobs' parts."
    )
    scrap_parts = forms.IntegerField(min_value=0, initial=0)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        _autocomplete(self.fields["preset"], LaserRun, "preset", admin_site)


class RunProjectRow(forms.Form):
    project = forms.ModelChoiceField(queryset=None)
    parts = forms.IntegerField(min_value=0, required=False)
    cut_length_mm = forms.DecimalField(
        min_value=0,
        decimal_places=1,
        required=False,
        help_text="Empty: the job's measured drawings × the parts.",
    )
    area_mm2 = forms.DecimalField(
        min_value=0,
        decimal_places=1,
        required=False,
        help_text="Empty: the job's measured drawings × the parts.",
    )

    def __init__(self, *args, site, **kwargs):
        from projects.models import Project

        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        field.queryset = Project.objects.all()
        if registered_with_search(site, Project):
            _autocomplete(field, LaserRunProject, "project", site)


class RunSheetRow(forms.Form):
    stock = forms.ModelChoiceField(queryset=None)
    quantity = forms.IntegerField(min_value=1)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = SheetStock.objects.filter(is_active=True)
        _autocomplete(self.fields["stock"], LaserRunSheet, "stock", site)


RunProjectFormSet = forms.formset_factory(RunProjectRow, extra=3, min_num=1, validate_min=True)
RunSheetFormSet = forms.formset_factory(RunSheetRow, extra=3)
