"""Small helpers the projects admin modules share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .models import ProjectStatus

S = ProjectStatus


def material_autocomplete(admin_site) -> bool:
    """Autocomplete for the material only once inventory's admin can serve it (search_fields)."""
    from inventory.models import Material

    material_admin = admin_site._registry.get(Material)
    return bool(material_admin and material_admin.search_fields)


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
