"""Who sees money, in one place: prices, costs, stock values and the money documents.

One permission decides it, `laseros.view_money` (the `laseros.money` row of the role matrix:
Admins, Managers and Viewers hold it; Operators do not: they see what to cut, not what it
costs). Everything that shows a sum asks `can_see_money(user)`:

- an admin lists its money columns and fields in `money_fields` (`MoneyFieldsAdminMixin`): they
  leave the changelist, its exports (which follow the columns), the change page, the filters,
  and a changelist lookup on them (`?unit_cost__gte=`) is refused;
- a serializer lists them in `money_fields` (`MoneyFieldsMixin`): they leave every answer, and a
  write that names one is refused with a 400 that says why, changing nothing; its viewset takes
  `MoneyOrderingMixin` so `?ordering=` cannot sort by them either;
- documents that carry sums (quotes, invoices, proofs of payment) are filtered by
  `projects.selectors.documents_visible_to` / `can_see_document`, built on the same rule.

The API schema keeps the fields, each noted "omitted for users without laseros.view_money".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.constants import LOOKUP_SEP

VIEW_MONEY = "laseros.view_money"
REFUSED = "Your role does not see money, so it cannot set {field}."
SCHEMA_NOTE = "Omitted for users without laseros.view_money (operators)."


def can_see_money(user) -> bool:
    """Whether `user` may see prices, costs, stock values and money documents."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(VIEW_MONEY))


def _name(item) -> str | None:
    """The field name of a list_display / list_filter / search entry."""
    if isinstance(item, str):
        return item.split(LOOKUP_SEP)[0].lstrip("^=@")
    if isinstance(item, list | tuple) and item:
        return _name(item[0])
    return getattr(item, "__name__", None)


def _without(names: Iterable, money: Iterable[str]) -> list:
    money = set(money)
    return [item for item in names if _name(item) not in money]


def _fields_without(fields: Iterable, money: Iterable[str]) -> list:
    """`fields` as admin forms write them (a tuple puts several on one line), less `money`."""
    kept = []
    for item in fields:
        if isinstance(item, list | tuple):
            line = [name for name in item if name not in money]
            if line:
                kept.append(tuple(line))
        elif item not in money:
            kept.append(item)
    return kept


class MoneyFieldsAdminMixin:
    """A ModelAdmin or inline whose `money_fields` (model fields, annotations or display
    methods) only users who may see money are shown. An admin that overrides one of the get_*
    methods below without calling super() must pass its answer through `without_money()` (or
    `fieldsets_without_money()`); laseros/tests/test_money.py checks every registered admin."""

    money_fields: tuple[str, ...] = ()

    def hides_money(self, request) -> bool:
        return bool(self.money_fields) and not can_see_money(request.user)

    def without_money(self, request, names):
        if not self.hides_money(request):
            return names
        return _without(names, self.money_fields)

    def get_list_display(self, request):
        return self.without_money(request, super().get_list_display(request))

    def get_list_filter(self, request):
        return self.without_money(request, super().get_list_filter(request))

    def get_search_fields(self, request):
        return self.without_money(request, super().get_search_fields(request))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return _fields_without(fields, self.money_fields) if self.hides_money(request) else fields

    def fieldsets_without_money(self, request, fieldsets):
        """`fieldsets` less the money fields (and a fieldset left empty by that)."""
        if not self.hides_money(request):
            return fieldsets
        kept = []
        for title, options in fieldsets:
            fields = _fields_without(options.get("fields", ()), self.money_fields)
            if fields:
                kept.append((title, {**options, "fields": fields}))
        return kept

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets_without_money(request, super().get_fieldsets(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self.without_money(request, super().get_readonly_fields(request, obj))

    def lookup_allowed(self, lookup, value, request=None):
        # `?quoted_price__gte=` on a changelist would let prices be found by halving.
        if request is not None and self.hides_money(request) and _name(lookup) in self.money_fields:
            return False
        return super().lookup_allowed(lookup, value, request)


class MoneyFieldsMixin:
    """A serializer whose `money_fields` only users who may see money read or write.

    Without the permission (or without a request in the context) they are left out of the
    answer, and a request body that names one is refused: a 400 that says so, nothing changed
    (an HTML form's empty box for one is no value, and is let through).
    """

    money_fields: tuple[str, ...] = ()

    def hides_money(self) -> bool:
        request = self.context.get("request")
        return not can_see_money(getattr(request, "user", None))

    def get_fields(self):
        fields = super().get_fields()
        for name in self.money_fields:
            if name in fields:
                field = fields[name]
                note = f"{field.help_text} {SCHEMA_NOTE}" if field.help_text else SCHEMA_NOTE
                field.help_text = note
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.money_fields and self.hides_money():
            for name in self.money_fields:
                data.pop(name, None)
        return data

    def to_internal_value(self, data):
        # DRF is imported where it is used: the admin loads this module in every command and
        # worker, and DRF pulls in psycopg, requests and more (issue 8: start-up cost).
        from rest_framework import serializers
        from rest_framework.utils import html

        if self.money_fields and self.hides_money() and hasattr(data, "keys"):
            # a form's empty box (the browsable API draws one) sets nothing; anything else does
            form = html.is_html_input(data)
            named = [n for n in self.money_fields if n in data and not (form and data[n] == "")]
            if named:
                raise serializers.ValidationError(
                    {name: [REFUSED.format(field=name)] for name in named}
                )
        return super().to_internal_value(data)


class MoneyOrderingMixin:
    """A viewset whose serializer has `money_fields`: `?ordering=` by one of them is refused (a
    400) for users who may not see money; sorting by a price would rank the prices."""

    def filter_queryset(self, queryset):
        from rest_framework import serializers
        from rest_framework.settings import api_settings

        if not can_see_money(self.request.user):
            money = set(getattr(self.get_serializer_class(), "money_fields", ()))
            param = api_settings.ORDERING_PARAM
            terms = self.request.query_params.get(param, "").split(",")
            refused = sorted({t.strip().lstrip("-") for t in terms} & money)
            if refused:
                raise serializers.ValidationError(
                    {
                        param: [
                            f"Your role does not see money: it cannot sort by {', '.join(refused)}."
                        ]
                    }
                )
        return super().filter_queryset(queryset)
