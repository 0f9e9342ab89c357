"""/notifications/: the list (in the admin's look, staff only) and marking read (anyone who
receives notifications: the floor posts here too). Mounted by laseros/site/urls.py."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", admin.site.admin_view(views.notifications_page), name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notifications_read_all, name="read_all"),
]
