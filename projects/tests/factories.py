"""Factories for jobs and products, built through the services (codes, history, audit)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from clients.tests.factories import ClientFactory
from inventory.models import Material
from projects.models import DocumentKind, Product, Project
from projects.services import product_create, project_create, project_document_add

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DXF_BYTES = (
    b"0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n0\n20\n0\n11\n50\n21\n0\n0\nENDSEC\n0\nEOF\n"
)


def material(code: str = "MS", name: str = "Mild steel") -> Material:
    obj, _ = Material.objects.get_or_create(code=code, defaults={"name": name})
    return obj


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Base plates batch {n}")
    material = factory.LazyFunction(material)
    thickness_mm = Decimal("3")
    quantity = 10

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return project_create(by=None, **kwargs)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Bracket {n}")
    category = "CON"
    family = "BRK"
    size = factory.Sequence(lambda n: f"A-{80 + n}x80")
    material = factory.LazyFunction(material)
    thickness_mm = Decimal("6")
    unit_price = Decimal("45.50")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return product_create(by=None, **kwargs)


def design_document(project, by=None, name="bracket.dxf"):
    return project_document_add(
        project=project, file=ContentFile(DXF_BYTES, name=name), kind=DocumentKind.DESIGN, by=by
    )


def pdf(name="pop.pdf") -> ContentFile:
    return ContentFile(PDF_BYTES, name=name)
