"""CSV and Excel export actions, added by the admin site to every changelist.

The columns are the changelist's own (`list_display`), so what a manager sees is what they get.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    return strip_tags(str(value))


def export_rows(modeladmin, request, queryset):
    """Header and rows of the changelist columns for the selected records."""
    fields = [f for f in modeladmin.get_list_display(request) if f != "action_checkbox"]
    header = [str(label_for_field(f, modeladmin.model, modeladmin)) for f in fields]
    select_related = modeladmin.get_list_select_related(request)
    if select_related is True:
        queryset = queryset.select_related()
    elif select_related:
        queryset = queryset.select_related(*select_related)
    rows = []
    for obj in (
        queryset.iterator(chunk_size=2000) if not queryset._prefetch_related_lookups else queryset
    ):
        row = []
        for name in fields:
            try:
                _, _, value = lookup_field(name, obj, modeladmin)
            except Exception:  # an unexportable column exports empty, not a crash
                value = ""
            row.append(_plain(value))
        rows.append(row)
    return header, rows


def _filename(modeladmin, ext):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(modeladmin.model._meta.verbose_name_plural)}-{stamp}.{ext}"


@admin.action(description="Export selected to CSV")
def export_csv(modeladmin, request, queryset):
    header, rows = export_rows(modeladmin, request, queryset)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "csv")}"'
    return response


@admin.action(description="Export selected to Excel")
def export_xlsx(modeladmin, request, queryset):
    from openpyxl import Workbook

    header, rows = export_rows(modeladmin, request, queryset)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(modeladmin.model._meta.verbose_name_plural)[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "xlsx")}"'
    return response
