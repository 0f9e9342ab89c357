from django.apps import AppConfig


class FlaskImportConfig(AppConfig):
    """Bringing over the shop's old Flask system (`manage.py import_flask_db`): its one model,
    LegacyRecord, remembers which new record each old row became."""

    name = "laseros.site.flask_import"
    label = "flask_import"
    verbose_name = "Old system import"
