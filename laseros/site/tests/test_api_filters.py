"""Every API list can be filtered on each field a user would filter by (NetBox's
test_missing_filters): a foreign key, a yes/no, a choice, a date, a unique code. A field added
later without a filter fails here by name; so does a gap listed below once it is filled."""

from __future__ import annotations

import pytest
from django.db import models

from laseros.api.routers import router

# Fields without a filter, per endpoint (each filter there is is proven to filter by the
# endpoint's declaration, laseros/site/tests/test_api_endpoints.py). A field goes here only with
# a reason beside it why the shop would never filter by it.
KNOWN_GAPS: dict[str, set[str]] = {
    # the job's proof of payment: a document belongs to one job, found from the document's side
    # (/api/v1/project-documents/?project=…&kind=pop); nobody looks a job up by a document's id
    "projects": {"payment_document"},
    # a payment's proof of payment: found from the document's side, as the job's is
    "payments": {"document"},
    # the shop's rates are one row (a check constraint holds it so): a list of one has nothing
    # to filter out
    "shop-rates": {"machine", "no_preset_fallback", "updated_at", "whole_sheets"},
    # the start form's one-time token (the same form sent twice starts one run): never shown
    "floor-runs": {"start_token"},
    # a token's key, hashed: a secret nobody can look up (a token is found by its prefix, ?search=)
    "tokens": {"key_hash"},
}


def filterable(field: models.Field) -> bool:
    """A field a user filters a list by. Free text (notes), JSON and files are searched or not
    filtered; numbers are filtered where the shop asks for it (thickness), not everywhere."""
    if field.primary_key or isinstance(
        field, models.JSONField | models.FileField | models.TextField | models.BinaryField
    ):
        return False
    if isinstance(field, models.ForeignKey | models.BooleanField | models.DateField):
        return True
    return bool(field.choices) or (isinstance(field, models.CharField) and field.unique)


def endpoints() -> list[tuple[str, type]]:
    import laseros.site.api_urls  # noqa: F401  (it registers every app's viewsets)

    return sorted((prefix, viewset) for prefix, viewset, _basename in router.registry)


def missing_filters(viewset) -> set[str]:
    filterset = getattr(viewset, "filterset_class", None)
    model = viewset.queryset.model if viewset.queryset is not None else filterset._meta.model
    covered: set[str] = set()
    if filterset is not None:
        for name, declared in filterset.base_filters.items():
            covered |= {name, (declared.field_name or "").split("__")[0]}
    return {f.name for f in model._meta.concrete_fields if filterable(f)} - covered


@pytest.mark.parametrize(("prefix", "viewset"), endpoints(), ids=[p for p, _ in endpoints()])
def test_every_filterable_field_has_a_filter(prefix, viewset):
    missing = missing_filters(viewset)
    gaps = KNOWN_GAPS.get(prefix, set())
    assert missing <= gaps, f"/api/v1/{prefix}/ has no filter for {sorted(missing - gaps)}"
    assert gaps <= missing, (
        f"/api/v1/{prefix}/ now filters {sorted(gaps - missing)}: drop them from KNOWN_GAPS"
    )


def test_the_known_gaps_name_real_endpoints():
    assert set(KNOWN_GAPS) <= {prefix for prefix, _viewset in endpoints()}
