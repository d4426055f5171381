"""Helpers of the intake tests."""

import datetime as dt
import json

from conftest import id_for


def api(client, user, method, url, body=None):
    from jingfang.accounts.services import issue_token

    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if method == "get":
        return client.get(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def new_id(birth=dt.date(1985, 3, 9), sex="F"):
    return id_for(birth, sex)
