"""What the cases share: the matrix world's users and objects, fresh copies, a signed-in client."""

import datetime as dt

from django.test import Client

from jingfang.core import clock

from .. import world

TODAY = clock.today()
D = dt.timedelta




# Cases: (world) -> the write, ready to run ----------------------------------------------------------
def u(w, role):
    return w["users"][role]


def fresh(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def inside(w, key):
    return fresh(w["inside"][key])


def patient_form(name="李新档", **over):
    data = {"name": name, "id_number": world._id_number(), "phone": "13800005678", "region_code": "990102001001",
            "household_region_code": "990102001001", "address": "4组3号", "diagnosis": "schizophrenia",
            "diagnosis_date": "2016-04-01", "status": "at_home"}
    data.update(over)
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_user(role, region, username):
    from jingfang.accounts.models import User

    return User.objects.create_user(username=username, password=world.PASSWORD, role=role, region_id=region)
