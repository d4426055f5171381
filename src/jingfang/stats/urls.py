from django.urls import path

from . import views, views_inspection

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("kpis/", views.kpi_table, name="kpis"),
    path("kpis/export.xlsx", views.kpi_export, name="kpi_export"),
    path("kpis/<str:key>/patients/", views.kpi_patients, name="kpi_patients"),
    path("inspections/", views_inspection.report_list, name="inspections"),
    path("inspections/items/", views_inspection.open_items, name="items"),
    path("inspections/<int:pk>/", views_inspection.report_detail, name="inspection"),
    path("inspections/<int:pk>/findings/", views_inspection.report_findings, name="inspection_findings"),
    path("inspections/<int:pk>/regenerate/", views_inspection.report_regenerate, name="inspection_regenerate"),
    path("inspections/<int:pk>/items/", views_inspection.item_add, name="item_add"),
    path("inspection-items/<int:pk>/close/", views_inspection.item_close, name="item_close"),
]
