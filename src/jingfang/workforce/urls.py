from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("institutions/", views.institutions, name="institutions"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
    path("staff/<int:pk>/", views.staff_detail, name="staff"),
    path("staff/<int:pk>/trainings/", views.training_add, name="training_add"),
    path("export.xlsx", views.register_export, name="export"),
]
