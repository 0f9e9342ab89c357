"""/dashboard/, /calendar/ and /search/: staff pages in the admin's look (the admin's login)."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("calendar/", admin.site.admin_view(views.calendar), name="calendar"),
    path("search/", admin.site.admin_view(views.search), name="search"),
]
