from django.urls import path

from . import views_benefits, views_costs, views_relief, views_rewards
from .views_common import home

app_name = "support"
urlpatterns = [
    path("", home, name="home"),
    # guardian rewards and liability insurance
    path("rewards/", views_rewards.reward_runs, name="reward_runs"),
    path("rewards/compute/", views_rewards.reward_compute, name="reward_compute"),
    path("rewards/<int:pk>/", views_rewards.reward_run, name="reward_run"),
    path("rewards/<int:pk>/roster.xlsx", views_rewards.reward_roster, name="reward_roster"),
    path("rewards/<int:pk>/<slug:op>/", views_rewards.reward_run_action, name="reward_run_action"),
    path("insurance/", views_rewards.insurance, name="insurance"),
    path("insurance/roster.xlsx", views_rewards.insurance_export, name="insurance_export"),
    # benefits
    path("patients/<int:pk>/benefits/", views_benefits.patient_benefits, name="patient_benefits"),
    path("patients/<int:pk>/benefits/<int:bid>/", views_benefits.benefit_edit, name="benefit_edit"),
    path("benefits/gaps/", views_benefits.benefit_gaps, name="benefit_gaps"),
    path("benefits/gaps.xlsx", views_benefits.benefit_gaps_export, name="benefit_gaps_export"),
    # hospitalisation relief
    path("relief/", views_relief.relief_list, name="relief_list"),
    path("relief/new/", views_relief.relief_new, name="relief_new"),
    path("relief/fund/", views_relief.relief_fund, name="relief_fund"),
    path("relief/quarterly.xlsx", views_relief.relief_quarterly, name="relief_quarterly"),
    path("relief/<int:pk>/", views_relief.relief_detail, name="relief_detail"),
    path("relief/<int:pk>/edit/", views_relief.relief_edit, name="relief_edit"),
    path("relief/<int:pk>/print/", views_relief.relief_print, name="relief_print"),
    path("relief/<int:pk>/step/<slug:action>/", views_relief.relief_step, name="relief_step"),
    # treatment cost burden
    path("costs/", views_costs.cost_list, name="cost_list"),
    path("costs.xlsx", views_costs.cost_export, name="cost_export"),
    path("costs/burden/", views_costs.cost_burden, name="cost_burden"),
    path("costs/burden.xlsx", views_costs.cost_burden_export, name="cost_burden_export"),
    path("costs/<int:pk>/", views_costs.cost_edit, name="cost_edit"),
    path("patients/<int:pk>/costs/", views_costs.patient_costs, name="patient_costs"),
]
