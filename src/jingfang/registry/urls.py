from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.patient_list, name="patient_list"),
    path("export.xlsx", views.patient_export, name="patient_export"),
    path("pick/", views.patient_pick, name="patient_pick"),
    path("new/", views.patient_create, name="patient_create"),
    path("<int:pk>/", views.patient_detail, name="patient_detail"),
    path("<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("<int:pk>/status/", views.patient_status, name="patient_status"),
    path("<int:pk>/reveal/", views.patient_reveal, name="patient_reveal"),
]
