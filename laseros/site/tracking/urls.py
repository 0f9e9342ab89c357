"""/t/<token>/: the client's tracking page and what its forms post to (laseros.site.urls)."""

from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/accept/", views.accept, name="accept"),
    path("<str:token>/decline/", views.decline, name="decline"),
    path("<str:token>/payment/", views.payment, name="payment"),
    path("<str:token>/quote/", views.quote_file, name="quote"),
    path("<str:token>/invoices/<int:pk>/", views.invoice_file, name="invoice"),
]
