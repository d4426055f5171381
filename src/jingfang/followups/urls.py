from django.urls import path

from . import views_followup, views_keyperson, views_worklist

app_name = "followups"
urlpatterns = [
    path("patients/<int:pk>/followups/new/", views_followup.followup_create, name="create"),
    path("patients/<int:pk>/followups/classify/", views_followup.followup_classify, name="classify"),
    path("patients/<int:pk>/followups/", views_followup.followup_list, name="list"),
    path("worklist/", views_worklist.worklist_page, name="worklist"),
    path("worklist/export.xlsx", views_worklist.worklist_export, name="worklist_export"),
    path("worklist/rollcall/<int:pk>/", views_worklist.roll_call, name="roll_call"),
    *views_keyperson.urlpatterns,
]
