"""Cases of the workforce register's writes."""

from jingfang.accounts import roles

from .common import inside, u


def c_create_institution(w):
    from jingfang.workforce import services

    return lambda: services.create_institution(u(w, roles.COUNTY_SUPERVISOR), data={
        "region_code": "990102001000", "name": "东镇社区卫生服务中心", "kind": "township_hc"})


def c_create_staff(w):
    from jingfang.workforce import services

    return lambda: services.create_staff(u(w, roles.COUNTY_SUPERVISOR), institution=inside(w, "institution"),
                                         data={"name": "周全科", "kind": "gp_psych"})


def c_update_staff(w):
    from jingfang.workforce import services

    return lambda: services.update_staff(u(w, roles.COUNTY_SUPERVISOR), staff=inside(w, "staff"),
                                         data={"left_on": "2025-12-31"})


def c_add_training(w):
    from jingfang.workforce import services

    return lambda: services.add_training(u(w, roles.COUNTY_SUPERVISOR), staff=inside(w, "staff"), data={
        "course": "精防人员岗位培训", "hours": "16", "date": "2025-03-01", "certificate": "P-1", "passed": "on"})
