from django.contrib.auth import views as auth_views
from django.urls import path

from linli.people import views

app_name = "people"

urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.staff_login, name="login"),
    path("login/totp/", views.totp, name="totp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("resident/", views.resident_login, name="resident_login"),
    path("resident/verify/", views.resident_verify, name="resident_verify"),
    path("tokens/", views.create_token, name="create_token"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
