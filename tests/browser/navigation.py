"""Following the main menu as a person does: open the Menu button on a narrow screen, then the
menu the page is grouped under, then its entry (apps/web/navigation.py)."""

from playwright.sync_api import Page


def follow_menu(page: Page, name: str) -> None:
    """Go to the page called `name` in the main menu (the exact entry text)."""
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)
    menu_button = nav.get_by_role("button", name="Menu")
    if menu_button.is_visible() and menu_button.get_attribute("aria-expanded") == "false":
        menu_button.click()
    # Closed menus hide their entries, which role queries skip unless asked.
    entry = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    nav.locator("li.dropdown").filter(has=entry).get_by_role("button").click()
    link.click()
