"""Signing in through the login page, as a person does (the browser flows share it)."""

from conftest import PASSWORD


def login(page, base: str, username: str, *, fresh: bool = False) -> None:
    """Open the login page, type the test password and submit. ``fresh`` first drops the cookies of
    whoever was signed in on this page."""
    if fresh:
        page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
