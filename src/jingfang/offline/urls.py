from django.urls import path

from . import views, views_paper

app_name = "offline"
urlpatterns = [
    path("held/", views.held, name="held"),
    path("held/<int:pk>/", views.held_detail, name="held_detail"),
    path("paper/", views_paper.paper_forms, name="paper"),
]
