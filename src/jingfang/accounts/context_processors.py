from . import roles


def role(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    r = getattr(user, "role", "")
    from jingfang.exchange import permissions as exchange_perms
    from jingfang.intake import permissions as intake_perms
    from jingfang.rehab import permissions as rehab_perms
    from jingfang.support import permissions as support_perms

    return {
        "can_view_exchange_tables": exchange_perms.can(r, exchange_perms.VIEW_TABLES),
        "can_view_reconciliations": exchange_perms.can(r, exchange_perms.VIEW_RECONCILIATIONS),
        "user_role": r,
        "user_role_label": roles.label(r),
        "can_create_patient": roles.can(r, roles.CREATE_PATIENT),
        "can_view_patients": roles.can(r, roles.VIEW_PATIENTS),
        "can_view_audit": roles.can(r, roles.VIEW_AUDIT),
        "can_export": roles.can(r, roles.EXPORT),
        "is_system_admin": roles.is_admin_role(r),  # the link to the Django admin
        "can_record_followup": roles.can(r, roles.RECORD_FOLLOWUP),
        "can_view_worklist": roles.can(r, roles.VIEW_WORKLIST),
        "can_review_offline": roles.can(r, roles.REVIEW_OFFLINE),
        "can_work_offline": roles.can(r, roles.OFFLINE_FIELD),  # the phone app (/m/)
        "sees_clinical_role": roles.sees_clinical(r),
        "sees_risk_role": roles.sees_risk(r),  # the risk level (roles.RISK_ROLES)
        # menu items follow the permission each page checks (tests/test_menus.py opens them all)
        "can_view_transfers": intake_perms.can(r, intake_perms.VIEW_TRANSFERS),
        "can_view_relief": r in support_perms.RELIEF_VIEW,
        "can_view_rehab": r in rehab_perms.REGISTER_VIEW,
    }
