from django.urls import path

from . import views

app_name = "emergency"
urlpatterns = [
    path("", views.request_page, name="request"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/ack/", views.notice_ack, name="notice_ack"),
    path("review/", views.queue, name="queue"),
    path("review/export.xlsx", views.queue_export, name="queue_export"),
    path("review/<int:pk>/", views.grant_review, name="review"),
]
