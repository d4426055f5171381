from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/otp/", views.login_otp, name="login_otp"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("totp/", views.totp_enrol, name="totp_enrol"),
]
