from django.urls import path

from linli.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.index, name="index"),
    path("matters/<str:code>/", views.matter, name="matter"),
    path("matters/<str:code>/apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="applications"),
    path("applications/<str:number>/", views.application, name="application"),
    path(
        "applications/<str:number>/materials/<int:position>",
        views.material_file,
        name="material_file",
    ),
    path(
        "applications/<str:number>/certificate.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("permits/<str:permit_number>/", views.permit, name="permit"),
]
