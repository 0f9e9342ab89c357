"""The “Payment received” page of a job: it asks for the proof of payment and the amount, and
moves the job through projects.services.project_payment_received (or records a manager's waiver).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from .. import services, workflow
from ..models import DocumentKind, ProjectDocument
from .common import errors_text

# The service names what is wrong by the API's field names; the form's are these.
FORM_FIELD = {
    "amount": "amount",
    "proof_of_payment": "proof_of_payment",
    "proof_of_payment_document": "document",
}


class PaymentReceivedForm(forms.Form):
    amount = forms.CharField(
        label="Amount received (R)",
        required=False,
        max_length=40,
        help_text="As the proof of payment shows it, VAT included, e.g. 14 375.00.",
    )
    proof_of_payment = forms.FileField(
        required=False,
        help_text="The bank's confirmation or the client's remittance: a PDF or a photo.",
    )
    document = forms.ModelChoiceField(
        queryset=ProjectDocument.objects.none(),
        required=False,
        label="or one already on the job",
        empty_label="—",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)
    override = forms.BooleanField(
        required=False,
        label="Waive the payment (managers; the reason is recorded)",
    )
    from_status = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = project.documents.filter(
            kind=DocumentKind.PROOF_OF_PAYMENT
        ).order_by("-uploaded_at", "-id")

    def clean_amount(self) -> str | None:
        """ "R 14 375.00" as typed: the rand sign and the spaces between thousands go; the
        service says what is wrong with anything else."""
        text = self.cleaned_data["amount"].replace("\u00a0", " ").strip()
        if text[:1] in ("R", "r"):
            text = text[1:]
        return text.replace(" ", "") or None


def payment_received_view(model_admin, request, project, move, change_url):
    """GET: the form; POST: record the payment and move the job, or show what is missing."""
    posted = request.method == "POST"
    form = PaymentReceivedForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        project=project,
        initial={"from_status": project.status},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.project_payment_received(
                project=project,
                by=request.user,
                amount=data["amount"],
                file=data["proof_of_payment"],
                document=data["document"],
                reason=data["reason"],
                override=data["override"],
                from_status=data["from_status"],
            )
        except ValidationError as exc:
            if getattr(exc, "gate", "") == "stale":
                messages.error(request, exc.detail)
                return HttpResponseRedirect(change_url)
            field = FORM_FIELD.get(getattr(exc, "field", None) or "")
            form.add_error(field, getattr(exc, "detail", None) or errors_text(exc))
        else:
            messages.success(request, f"{moved.code} is now Paid: {moved.status_reason}.")
            return HttpResponseRedirect(change_url)
    # the proof of payment is what this page asks for: the other checks are shown as failed
    failed = [g for g in workflow.failed_gates(project, move) if g.code not in workflow.PAYMENT]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{move.label}: {project.code}",
        "opts": model_admin.opts,
        "original": project,
        "project": project,
        "move": move,
        "failed": failed,
        "can_override": all(g.overridable for g in failed) and services.can_override(request.user),
        "form": form,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/projects/project/payment_received.html", context)
