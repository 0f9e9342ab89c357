"""The changelist's rows, written out once per page instead of once per cell (issue 9: the job
list under load).

Django's `{% result_list %}` works every cell out from scratch: which field or callable the
column is, its empty value, its CSS classes, its link (a `reverse()` and a query-string merge per
row), a `format_html()`, and then the template renders each cell as a separate variable. On the
job list (50 rows, 11 columns) that was the largest part of the page's time. `fast_result_list`
works each column out once, reverses the change URL once per page, and hands the template one
string per row. The HTML is Django's, byte for byte (laseros/tests/test_admin_rows.py renders
every changelist both ways and compares them).

Pages it cannot write the same way go through Django's own code: editable lists (a form per
row), popups, `to_field` lists, a ChangeList with its own `url_for_result`, and rows whose
primary key is not an integer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode

# _get_non_gfk_field is private: Django's rule for "this column is a field"; the byte-for-byte
# test (laseros/site/tests/test_admin_rows.py) fails if an upgrade changes it.
from django.contrib.admin.utils import (  # type: ignore[attr-defined]
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.template import Library
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = Library()

PK_MARK = "__laseros_pk__"  # stands for the row's key in the change URL worked out once a page


@dataclass
class _Column:
    name: Any  # a field name, an admin or model attribute name, or a callable
    classes: str  # "field-<name>" (or "action-checkbox")
    field: models.Field | None  # the model field the column shows directly, if it is one
    choices: dict | None  # the field's choices, looked up once
    link: bool
    first_link: bool  # the first linked column is a <th>
    # what the column calls with the row when it is a callable or a ModelAdmin method (found
    # once a page, as lookup_field would find it for each cell after failing to find a field)
    method: Any = None


def _field_of(cl: ChangeList, name: Any) -> tuple[models.Field | None, Any]:
    """(the model field the column shows, or None; the callable lookup_field would call)."""
    if callable(name):
        return None, name
    try:
        field = _get_non_gfk_field(cl.lookup_opts, name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        model_admin = cl.model_admin
        if hasattr(model_admin, name) and name != "__str__":
            return None, getattr(model_admin, name)
        return None, None
    # Django shows an auto field as a plain value
    return (None if field.auto_created else field), None


def _columns(cl: ChangeList) -> list[_Column]:
    columns = []
    first = True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            link = False
        else:
            link = (first and not cl.list_display_links) or name in cl.list_display_links
        field, method = _field_of(cl, name)
        choices = None
        if field is not None and getattr(field, "flatchoices", None):
            try:
                choices = dict(field.flatchoices)
            except TypeError:  # list-like choices: Django's own code handles them
                choices = None
        coerced = admin_list._coerce_field_name(name, index)  # type: ignore[attr-defined]
        columns.append(
            _Column(
                name=name,
                classes="action-checkbox" if name == "action_checkbox" else f"field-{coerced}",
                field=field,
                choices=choices,
                link=link,
                first_link=link and first,
                method=method,
            )
        )
        if link:
            first = False
    return columns


def _change_url(cl: ChangeList) -> str | None:
    """The change URL with PK_MARK for the key, preserved filters added, or None when it does
    not exist."""
    try:
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(PK_MARK,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    return add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)


def _cell(cl: ChangeList, column: _Column, result: Any, empty: str) -> tuple[Any, str]:
    """(what the cell shows, its CSS classes), as Django's items_for_result works them out."""
    classes = column.classes
    field = column.field
    if field is None:
        try:
            if column.method is not None:
                f, attr, value = None, column.method, column.method(result)
            else:
                f, attr, value = lookup_field(column.name, result, cl.model_admin)
        except ObjectDoesNotExist:
            return empty, classes
        empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if f is None or f.auto_created:
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            if isinstance(value, datetime.date | datetime.time):
                classes += " nowrap"
            return display_for_value(value, empty, boolean), classes
        field = f  # not reached: a column that is a field is found once, in _columns
    else:
        try:
            value = getattr(result, column.name)
        except ObjectDoesNotExist:
            return empty, classes
        if isinstance(value, str) and value.strip() == "":
            value = ""
    if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
        classes += " nowrap"
    if isinstance(field.remote_field, models.ManyToOneRel):
        return (empty if value is None else value), classes  # the related object's str()
    if column.choices is not None:
        try:
            return column.choices.get(value, empty), classes
        except TypeError:  # an unhashable value: Django's own lookup
            pass
    return display_for_field(value, field, empty, avoid_link=column.link), classes


def _row(cl: ChangeList, columns: list[_Column], result: Any, url: str | None, empty: str) -> str:
    parts = []
    for column in columns:
        shown, classes = _cell(cl, column, result, empty)
        text: str = conditional_escape(shown)
        if column.link:
            tag = "th" if column.first_link else "td"
            if url is not None:
                href = conditional_escape(url.replace(PK_MARK, str(result.pk), 1))
                text = f'<a href="{href}">{text}</a>'
            parts.append(f'<{tag} class="{classes}">{text}</{tag}>')
        else:
            parts.append(f'<td class="{classes}">{text}</td>')
    return "".join(parts)


def _can_write_fast(cl: ChangeList) -> bool:
    return (
        not cl.formset
        and not cl.is_popup
        and not cl.to_field
        and type(cl).url_for_result is ChangeList.url_for_result
        and isinstance(cl.lookup_opts.pk, models.AutoField | models.BigAutoField)
    )


def fast_results(cl: ChangeList) -> list:
    """Django's `results(cl)`: one list per row, here with the row's cells as one string."""
    if not _can_write_fast(cl):
        return list(admin_list.results(cl))
    columns = _columns(cl)
    url = _change_url(cl) if any(column.link for column in columns) else None
    empty = cl.model_admin.get_empty_value_display()
    return [
        admin_list.ResultList(None, [SafeString(_row(cl, columns, result, url, empty))])
        for result in cl.result_list
    ]


def fast_result_list(cl: ChangeList) -> dict:
    """Django's `result_list(cl)` with the rows from fast_results."""
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": fast_results(cl),
    }


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=fast_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
