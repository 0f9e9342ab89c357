"""Build an admin change form's POST data from the page itself, inlines included (also those
that higher apps add), so tests change only what they mean to change."""

from __future__ import annotations


def _value(bound):
    value = bound.value()
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if hasattr(value, "read"):  # files are not sent back
        return None
    return str(value)


def _form_data(form, data):
    for name in form.fields:
        value = _value(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value


def change_form_data(http, url, **overrides):
    response = http.get(url)
    assert response.status_code == 200
    data = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(formset.management_form, data)
        data[formset.management_form.add_prefix("TOTAL_FORMS")] = str(formset.initial_form_count())
        for form in formset.initial_forms:
            _form_data(form, data)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
