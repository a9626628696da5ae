from django.urls import path

from linli.identity import views

app_name = "identity"

urlpatterns = [
    path("eid", views.my_eid, name="eid"),
    path("eid/code", views.eid_code, name="eid_code"),
    path("verify", views.verify, name="verify"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/new/", views.new_consultation, name="new_consultation"),
    path("consultations/<int:consultation_id>/", views.consultation, name="consultation"),
    path("consultations/<int:consultation_id>/close/", views.close, name="close"),
]
