from django.urls import path

from . import views_campaigns, views_leads

app_name = "screening"
urlpatterns = [
    path("", views_leads.lead_list, name="lead_list"),
    path("leads/export.xlsx", views_leads.lead_export, name="lead_export"),
    path("leads/new/", views_leads.lead_create, name="lead_create"),
    path("leads/duplicates/", views_leads.lead_duplicates, name="lead_duplicates"),
    path("leads/<int:pk>/", views_leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/refer/", views_leads.lead_refer, name="lead_refer"),
    path("leads/<int:pk>/exclude/", views_leads.lead_exclude, name="lead_exclude"),
    path("leads/<int:pk>/confirm/", views_leads.lead_confirm, name="lead_confirm"),
    path("campaigns/", views_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", views_campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/listings/", views_campaigns.listing_add, name="listing_add"),
    path("campaigns/<int:pk>/import/", views_campaigns.campaign_import, name="campaign_import"),
    path("campaigns/<int:pk>/report.xlsx", views_campaigns.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/persons/<int:person_pk>/", views_campaigns.person_edit, name="person_edit"),
]
