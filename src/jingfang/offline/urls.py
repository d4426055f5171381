from django.urls import path

from . import views

app_name = "offline"
urlpatterns = [
    path("held/", views.held, name="held"),
    path("held/<int:pk>/", views.held_detail, name="held_detail"),
]
