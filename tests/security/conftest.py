"""The permission matrix's world (tests/security/world.py), built once per module inside a transaction
that is rolled back at the end, with a signed-in client and an API token per role."""

import logging

import pytest
from django.db import transaction
from django.test import Client

from jingfang.accounts.services import issue_token

from . import world


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.CRITICAL  # refusals are expected here by the thousand
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = world.build()
            clients, tokens = {None: Client()}, {None: None}
            for role, user in w["users"].items():
                clients[role] = Client()
                clients[role].force_login(user)
                tokens[role] = issue_token(user)
            w["clients"], w["tokens"] = clients, tokens
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_log.setLevel(level)
