"""The route table's "audited" column (see route_table's docstring): the routes that show patient
data, pages by URL name and API operations by operation id. The permission matrix asserts exactly one
audit row per GET on each of them, inside the jurisdiction and out."""

AUDITED_PAGES = frozenset({
    "registry:patient_list", "registry:patient_export", "registry:patient_detail", "registry:patient_edit",
    "registry:patient_status", "registry:patient_pick",
    "followups:create", "followups:list", "followups:worklist", "followups:worklist_export",
    "followups:keypersons", "followups:keypersons_export", "followups:plan", "followups:lost",
    "followups:lost_export", "followups:search", "followups:medication", "followups:medication_export",
    "screening:lead_list", "screening:lead_export", "screening:lead_detail", "screening:lead_confirm",
    "screening:campaign_detail", "screening:campaign_report", "screening:person_edit",
    "intake:dual_list", "intake:report_list", "intake:report_export", "intake:report_detail",
    "intake:release_list", "intake:release_detail", "intake:transfer_list", "intake:transfer_inbox",
    "intake:transfer_detail",
    "care:teams", "care:team", "care:meetings", "care:meeting", "care:guardianship", "care:incidents", "care:incident",
    "care:incident_review",
    "support:reward_run", "support:reward_roster", "support:insurance", "support:insurance_export",
    "support:patient_benefits", "support:benefit_edit", "support:benefit_gaps", "support:benefit_gaps_export",
    "support:relief_list", "support:relief_detail", "support:relief_edit", "support:relief_print",
    "support:cost_list", "support:cost_export", "support:cost_burden", "support:cost_burden_export",
    "support:cost_edit", "support:patient_costs",
    "stats:kpi_patients",
    "exchange:table", "exchange:table_xlsx", "exchange:run", "exchange:run_mapping", "exchange:line_resolve",
    "emergency:queue", "emergency:queue_export", "emergency:review",
    "offline:held", "offline:held_detail", "offline:paper",
    # staff names (personal data of employees)
    "workforce:institution", "workforce:staff", "workforce:export",
    # community rehabilitation: enrolments tell a registration
    "rehab:enrolments", "rehab:enrolment_export", "rehab:enrolment", "rehab:patient",
})
AUDITED_API = frozenset({
    "registry_api_list_patients", "registry_api_search_patients", "registry_api_get_patient",
    "registry_api_status_history",
    "followups_api_list_followups", "followups_api_get_worklist",
    "screening_api_leads_list_leads", "screening_api_leads_get_lead", "screening_api_campaigns_list_persons",
    "screening_api_campaigns_report",
    "intake_api_reports_list_cards", "intake_api_reports_get_card", "intake_api_movement_list_releases",
    "intake_api_movement_get_release", "intake_api_movement_list_transfers", "intake_api_movement_inbox",
    "intake_api_movement_get_transfer",
    "care_api_team_get_team", "care_api_meeting_list_meetings", "care_api_meeting_get_meeting",
    "care_api_guardianship_list_agreements", "care_api_incident_list_incidents", "care_api_incident_get_incident",
    "care_api_incident_get_timeline",
    "support_api_rewards_get_run", "support_api_rewards_insurance", "support_api_rewards_list_benefits",
    "support_api_rewards_benefit_gaps", "support_api_relief_list_applications", "support_api_relief_get_application",
    "support_api_costs_list_episodes", "support_api_costs_get_episode", "support_api_costs_burden",
    "exchange_api_get_table", "exchange_api_recon_get_run",
    "emergency_api_list_grants",
    "offline_api_get_package", "offline_api_outcomes",
    "workforce_api_list_staff", "workforce_api_get_staff",
    "rehab_api_list_enrolments", "rehab_api_get_enrolment",
})
