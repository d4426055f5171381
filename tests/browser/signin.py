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


def open_menus(page) -> None:
    """On a phone the header's 菜单 button opens the menus first (on a wide screen they show)."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def logout(page) -> None:
    """Sign out as a person does."""
    open_menus(page)
    page.click("text=退出")
    page.wait_for_load_state()
