from django.urls import path

from . import views_recon, views_tables

app_name = "exchange"
urlpatterns = [
    path("", views_tables.table_list, name="tables"),
    path("tables/generate/", views_tables.table_generate, name="table_generate"),
    path("tables/<int:pk>/", views_tables.table_detail, name="table"),
    path("tables/<int:pk>/xlsx/", views_tables.table_xlsx, name="table_xlsx"),
    path("tables/<int:pk>/receipts/", views_tables.receipt_form, name="receipt"),
    path("reconciliations/", views_recon.run_list, name="runs"),
    path("reconciliations/upload/", views_recon.run_upload, name="run_upload"),
    path("reconciliations/<int:pk>/", views_recon.run_detail, name="run"),
    path("reconciliations/<int:pk>/mapping/", views_recon.run_mapping, name="run_mapping"),
    path("reconciliations/<int:pk>/lines/<int:line_pk>/resolve/", views_recon.line_resolve, name="line_resolve"),
]
