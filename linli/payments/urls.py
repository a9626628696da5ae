from django.urls import path

from linli.payments import views

app_name = "payments"

urlpatterns = [
    path("return", views.return_page, name="return"),
]
