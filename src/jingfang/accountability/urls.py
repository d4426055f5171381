from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("", views.measure_list, name="measures"),
    path("new/", views.measure_create, name="measure_create"),
    path("export.xlsx", views.measure_export, name="measure_export"),
    path("<int:pk>/", views.measure_detail, name="measure"),
    path("<int:pk>/close/", views.measure_close, name="measure_close"),
    path("consultations/<int:pk>/regenerate/", views.consultation_regenerate, name="consultation_regenerate"),
    path("consultations/<int:pk>/export.xlsx", views.consultation_export, name="consultation_export"),
]
