"""The money documents' PDFs through the API: GET …/{id}/pdf/ on /api/v1/invoices/ and
/credit-notes/ (PdfMixin, on their viewsets in finance.billing_api) and /api/v1/quotes/{id}/pdf/.
They are drawn by finance.pdf; an issued invoice's or credit note's is kept as first drawn
(finance.services.documents.issued_pdf). Inline; ?download=1 for a download."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from laseros.api.permissions import HasPerm
from laseros.api.renderers import BinaryRenderer

from . import pdf
from .models import Quote
from .pdf_views import pdf_response
from .services.documents import StoredPdfChanged, issued_pdf

PDF_SCHEMA = extend_schema(
    responses={
        (200, "application/pdf"): OpenApiTypes.BINARY,
        404: OpenApiResponse(description="No such document."),
        409: OpenApiResponse(
            description="The PDF it was issued with is gone from the store or changed: it is "
            "not drawn again (the client holds the one issued); restore it from a backup."
        ),
    }
)


class PdfMixin:
    """GET …/{id}/pdf/: an issued invoice's or credit note's PDF as it was first drawn and
    stored (finance.services.documents); a draft invoice's drawn now. Inline; ?download=1 for
    a download. Whoever reads the document reads its PDF (operators see neither)."""

    @PDF_SCHEMA
    @action(detail=True, methods=["get"], renderer_classes=[BinaryRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        document = self.get_object()
        try:
            data = issued_pdf(document=document, by=request.user)
        except StoredPdfChanged as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return pdf_response(request, data, f"{document.label}.pdf")


# --- a quote's PDF --------------------------------------------------------------------------------


class QuotePdfView(APIView):
    """GET /api/v1/quotes/{id}/pdf/: a quote's PDF, drawn now (a sent quote never changes, so
    neither does what it prints). Beside the quotes' viewset, which finance.api keeps."""

    renderer_classes = [BinaryRenderer, JSONRenderer]

    def get_permissions(self):
        return [HasPerm("finance.view_quote")]

    @extend_schema(
        operation_id="quotes_pdf",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such quote."),
        },
    )
    def get(self, request, pk: int, *args, **kwargs):
        quote = Quote.objects.filter(pk=pk).first()
        if quote is None:
            raise NotFound("No such quote.")
        return pdf_response(request, pdf.quote_pdf(quote), f"{quote.label}.pdf")
