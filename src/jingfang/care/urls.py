from django.urls import path
from django.views.generic import RedirectView

from . import views_guardianship, views_incident, views_meeting, views_team

app_name = "care"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="care:teams"), name="home"),
    # Care teams (关爱帮扶小组) and the contact directory
    path("teams/", views_team.team_list, name="teams"),
    path("patients/<int:pk>/team/", views_team.team_page, name="team"),
    path("patients/<int:pk>/team/reveal/", views_team.team_reveal, name="team_reveal"),
    path("directory/", views_team.directory_page, name="directory"),
    path("directory/reveal/", views_team.directory_reveal, name="directory_reveal"),
    # Meetings and their tasks
    path("meetings/", views_meeting.meeting_list, name="meetings"),
    path("meetings/owners/", views_meeting.meeting_owners, name="meeting_owners"),
    path("meetings/new/", views_meeting.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views_meeting.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views_meeting.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/tasks/<int:task_pk>/done/", views_meeting.task_done, name="task_done"),
    # Guardianship agreements
    path("patients/<int:pk>/guardianship/", views_guardianship.guardianship_page, name="guardianship"),
    path("guardianship/<int:pk>/revoke/", views_guardianship.agreement_revoke, name="guardianship_revoke"),
    # Incidents (肇事肇祸) and the retrospective review (倒查)
    path("incidents/", views_incident.incident_list, name="incidents"),
    path("incidents/new/", views_incident.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views_incident.incident_detail, name="incident"),
    path("incidents/<int:pk>/review/", views_incident.incident_review, name="incident_review"),
]
