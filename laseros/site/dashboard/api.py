"""GET /api/v1/search/?q=…: global search for tools (the same search as the /search/ page)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import search as global_search


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["client", "contact", "job", "product", "file", "quote", "invoice"]
    )
    # a field named "label" (the answer's key) hides Field.label, the form label: unused here
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The record as the shop names it (code and name)."
    )
    detail = serializers.CharField(help_text="A line more: client, status, dates.")
    url = serializers.CharField(help_text="The record's page in the admin.")
    exact = serializers.BooleanField(help_text="The query is this record's code (or number).")


class SearchAnswerSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (spaces tidied).")
    count = serializers.IntegerField(help_text="Results in this answer.")
    results = SearchResultSerializer(many=True)
    more = serializers.DictField(
        child=serializers.CharField(),
        help_text="Kinds with more matches than `limit`: the admin list searched for the query.",
    )
    message = serializers.CharField(help_text="'Nothing found …' when there are no results.")


class SearchRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()


@extend_schema(
    operation_id="search",
    parameters=[
        OpenApiParameter(
            "q",
            OpenApiTypes.STR,
            required=True,
            description=f"{global_search.MIN_LENGTH} to {global_search.MAX_LENGTH} characters: "
            "words (every one must match, each as the start of a word on PostgreSQL) or a code "
            "(CL-0001, JB-2026-11-CL0001-001, QT-2026-0001, INV-2026-0001, a SKU), which comes "
            "first with exact=true.",
        ),
        OpenApiParameter(
            "limit",
            OpenApiTypes.INT,
            description=f"Results per kind, 1 to {global_search.MAX_LIMIT} "
            f"(default {global_search.DEFAULT_LIMIT}).",
        ),
    ],
    responses={200: SearchAnswerSerializer, 400: SearchRefusedSerializer},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def search(request):
    """Clients, contacts, jobs, products (SKUs), files (by name and by the text read from them),
    quotes and invoices matching `q`, only of the kinds the user may view (quotes and invoices
    only for who may see money); at most `limit` of each kind, exact code matches first."""
    try:
        limit = int(request.query_params.get("limit", global_search.DEFAULT_LIMIT))
    except ValueError:
        return Response(
            {"detail": "limit must be a whole number."}, status=status.HTTP_400_BAD_REQUEST
        )
    if not 1 <= limit <= global_search.MAX_LIMIT:
        return Response(
            {"detail": f"limit must be between 1 and {global_search.MAX_LIMIT}."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    try:
        answer = global_search.search(
            user=request.user, query=request.query_params.get("q", ""), limit=limit
        )
    except global_search.SearchRefused as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    results = [
        {"kind": r.kind, "label": r.label, "detail": r.detail, "url": r.url, "exact": r.exact}
        for r in answer.results
    ]
    return Response(
        {
            "query": answer.query,
            "count": len(results),
            "results": results,
            "more": answer.more,
            "message": answer.message,
        }
    )
