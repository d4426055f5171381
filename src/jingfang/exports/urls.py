from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/decide/", views.decide, name="decide"),
]
