"""Bulk status moves on the jobs changelist: each job goes through project_transition and
every result is reported."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from .. import services, workflow
from .common import S, errors_text


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text="Recorded in each job's history.",
    )


def _bulk_targets() -> list[str]:
    seen = []
    for move in workflow.MOVES:
        if move.kind != workflow.MoveKind.RESUME and move.target not in seen:
            seen.append(move.target)
    return sorted(seen, key=list(S.values).index)


def _run_bulk(modeladmin, request, queryset, target: str | None, label: str):
    """Move each selected job (target None: resume each to where it was); report each result."""
    projects = list(queryset.select_related("client"))
    needs_reason = any(
        (move := workflow.move_for(p.status, target or p.status_before_hold)) is not None
        and move.reason_required
        for p in projects
    )
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if needs_reason and not (form.is_bound and form.is_valid() and form.cleaned_data["reason"]):
        if form.is_bound:
            messages.error(request, "Give a reason: it is recorded in each job's history.")
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: give a reason",
            "opts": modeladmin.model._meta,
            "projects": projects,
            "form": form if form.is_bound else ReasonForm(),
            "action": request.POST.get("action"),
            "label": label,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/projects/project/bulk_transition.html", context)
    reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else ""
    moved, failed = [], []
    for project in projects:
        to = target or project.status_before_hold
        try:
            if not to:
                raise services.TransitionError("not_allowed", "It is not on hold.")
            services.project_transition(project=project, to=to, by=request.user, reason=reason)
            moved.append(project.code)
        except ValidationError as exc:
            failed.append((project.code, errors_text(exc)))
    if moved:
        messages.success(request, f"{label}: {len(moved)} moved ({', '.join(moved)}).")
    for code, why in failed:
        messages.error(request, f"{code} not moved: {why}")
    return None


def _make_bulk_action(target: str):
    label = f"Move to {S(target).label}"

    def action(modeladmin, request, queryset):
        return _run_bulk(modeladmin, request, queryset, target, label)

    action.__name__ = f"move_to_{target}"
    return admin.action(description=f"{label} (selected jobs)", permissions=["change"])(action)


def resume_from_hold(modeladmin, request, queryset):
    return _run_bulk(modeladmin, request, queryset, None, "Resume")


resume_from_hold = admin.action(
    description="Resume (selected jobs on hold, each to where it was)", permissions=["change"]
)(resume_from_hold)

BULK_ACTIONS = [_make_bulk_action(t) for t in _bulk_targets()] + [resume_from_hold]
