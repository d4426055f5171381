from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/card/", views.job_card, name="card"),
    path("<int:pk>/files/<str:purpose>/", views.job_file, name="file"),
    path("<int:pk>/rerun/", views.job_rerun, name="rerun"),
]
