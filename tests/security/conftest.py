"""The permission matrix's world (tests/security/world.py), built once per module inside a transaction
that is rolled back at the end, with a signed-in client and an API token per role."""

import logging

import pytest
from django.db import transaction
from django.test import Client, override_settings

from jingfang.accounts.services import issue_token

from . import world


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.CRITICAL  # refusals are expected here by the thousand
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        # Every request runs in a savepoint that is rolled back, so a token's last use is never kept:
        # the token idle clock would end the world's tokens JINGFANG_IDLE_MINUTES into a slow run.
        no_idle = override_settings(JINGFANG_IDLE_MINUTES=0)
        no_idle.enable()
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
            no_idle.disable()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_log.setLevel(level)
