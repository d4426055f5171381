from django.urls import path

from . import views_overview, views_releases, views_reports, views_transfers

app_name = "intake"
urlpatterns = [
    path("", views_overview.home, name="home"),
    path("dual/", views_overview.dual_list, name="dual_list"),
    path("reports/", views_reports.report_list, name="report_list"),
    path("reports/export.xlsx", views_reports.report_export, name="report_export"),
    path("reports/new/", views_reports.report_create, name="report_create"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/accept/", views_reports.report_accept, name="report_accept"),
    path("reports/<int:pk>/police-query/", views_reports.report_police_query, name="report_police_query"),
    path("reports/<int:pk>/refer-cdc/", views_reports.report_refer_cdc, name="report_refer_cdc"),
    path("reports/<int:pk>/enter/", views_reports.report_enter, name="report_enter"),
    path("releases/", views_releases.release_list, name="release_list"),
    path("releases/new/", views_releases.release_create, name="release_create"),
    path("releases/<int:pk>/", views_releases.release_detail, name="release_detail"),
    path("releases/<int:pk>/takeover/", views_releases.release_takeover, name="release_takeover"),
    path("transfers/", views_transfers.transfer_list, name="transfer_list"),
    path("transfers/new/", views_transfers.transfer_create, name="transfer_create"),
    path("transfers/destinations/", views_transfers.destination_pick, name="destination_pick"),
    path("transfers/inbox/", views_transfers.transfer_inbox, name="transfer_inbox"),
    path("transfers/<int:pk>/", views_transfers.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/accept/", views_transfers.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/return/", views_transfers.transfer_return, name="transfer_return"),
]
