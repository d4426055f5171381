from django.urls import path

from . import views, views_enrol

app_name = "rehab"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/<int:pk>/", views.facility, name="facility"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("export.xlsx", views.register_export, name="export"),
    path("enrolments/", views_enrol.enrolment_list, name="enrolments"),
    path("enrolments/export.xlsx", views_enrol.enrolment_export, name="enrolment_export"),
    path("enrolments/<int:pk>/", views_enrol.enrolment, name="enrolment"),
    path("patients/<int:pk>/", views_enrol.patient_rehab, name="patient"),
]
