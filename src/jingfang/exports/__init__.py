"""Supervisor approval of large exports: one guard every xlsx export goes through (guard.py)."""
