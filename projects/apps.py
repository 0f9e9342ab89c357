from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """Jobs and their life cycle; the product (SKU) catalogue."""

    name = "projects"
    verbose_name = "Projects"
