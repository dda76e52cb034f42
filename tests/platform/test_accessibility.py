"""The main pages in a real browser (headless Chromium) pass axe-core with no serious or critical
violation, in Korean and in English, on a desktop and on a phone; on a phone nothing scrolls sideways,
the menu folds away behind a button that works from the keyboard, and the player stays in reach while
the transcript scrolls."""

import pytest
from django.utils import timezone

from tests.support import factories
from tests.support.accessibility import axe_violations, check_vendored_axe, describe, failing, horizontal_overflow
from tests.support.browser import failing_on_page_errors, needs_chromium, open_page, sign_in
from tests.support.world import build_world

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}

# Off by default in axe; on a touch screen every control must be at least 24 px (WCAG 2.5.8).
PHONE_RULES = ["target-size"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def world(org, owner, admin_user, member):
    return build_world(org, owner, admin_user, member)


def main_pages(world):
    """(name, path) of the pages a team uses every day, each with real content from the world."""
    meeting = world.shared.meeting
    month = timezone.localtime(meeting.held_at).strftime("%Y-%m")
    return [
        ("dashboard", "/dashboard/"),
        ("meetings", "/meetings/"),
        ("meeting", f"/meetings/{meeting.pk}/"),
        ("transcript", f"/meetings/{meeting.pk}/transcript/"),
        ("minutes", f"/meetings/{meeting.pk}/minutes/"),
        ("search", "/search/?q=출시"),
        ("chat", f"/chat/{world.shared.conversation.pk}/"),
        ("calendar", f"/calendar/?month={month}"),
        ("action items", "/action-items/"),
        ("decisions", "/decisions/"),
        ("members", f"/orgs/{world.organization.pk}/members/"),
    ]


def signed_in_page(browser, live_server, user, language):
    # bypass_csp: axe is injected as an inline script; the policy itself is tested in test_security.py.
    page = open_page(browser, live_server, user, bypass_csp=True, timeout=30_000)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page


def visit(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response.status == 200, (path, response.status)
    page.wait_for_load_state("networkidle")


def test_the_vendored_axe_is_the_pinned_release():
    check_vendored_axe()


def problems_on(page, live_server, pages, viewport, language):
    """What axe and the width check find on each page at one window size, as readable lines."""
    page.set_viewport_size(viewport)
    phone = viewport["width"] < DESKTOP["width"]
    problems = []
    for name, path in pages:
        visit(page, live_server, path)
        assert page.locator("html").get_attribute("lang") == language
        where = f"{name} ({path}, {language}, {viewport['width']} px)"
        if bad := failing(axe_violations(page, extra_rules=PHONE_RULES if phone else ())):
            problems.append(f"{where}:\n{describe(bad)}")
        if phone and (wide := horizontal_overflow(page))["overflow"]:
            problems.append(f"{where} scrolls sideways by {wide['overflow']} px: {wide['culprits']}")
    return problems


@pytest.mark.parametrize("language", ["ko", "en"])
def test_main_pages_pass_axe_on_desktop_and_phone(browser, live_server, world, language):
    page = signed_in_page(browser, live_server, world.owner, language)
    with failing_on_page_errors(page):
        problems = [
            *problems_on(page, live_server, main_pages(world), DESKTOP, language),
            *problems_on(page, live_server, main_pages(world), PHONE, language),
        ]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize(("language", "viewport"), [("ko", DESKTOP), ("en", PHONE)], ids=["ko-desktop", "en-phone"])
def test_the_other_pages_pass_axe(browser, live_server, world, language, viewport):
    """Each once per language and once per size, to keep the run short; signed out: the sign-in page
    and a guest's view of a shared meeting."""
    meeting = world.shared.meeting
    waiting = factories.meeting(world.organization, "녹음 전 회의", creator=world.owner)
    pages = [
        ("new meeting", "/meetings/new/"),
        ("meeting before its recording", f"/meetings/{waiting.pk}/"),
        ("schedule", "/schedule/"),
        ("week", "/calendar/week/"),
        ("series", f"/series/{world.series.pk}/"),
        ("sharing", f"/meetings/{meeting.pk}/sharing/"),
        ("preferences", "/preferences/"),
        ("minutes settings", "/meetings/minutes-settings/"),
        ("organizations", "/orgs/"),
    ]
    page = signed_in_page(browser, live_server, world.owner, language)
    guest = signed_in_page(browser, live_server, None, language)
    signed_out = [("sign-in", "/accounts/login/"), ("shared meeting", f"/s/{world.shared.share_link.token}/")]
    with failing_on_page_errors(page), failing_on_page_errors(guest):
        problems = [
            *problems_on(page, live_server, pages, viewport, language),
            *problems_on(guest, live_server, signed_out, viewport, language),
        ]
    assert not problems, "\n\n".join(problems)


def menu_parts(page):
    return page.locator("[data-menu-toggle]"), page.locator("#site-menu"), page.locator(".mainnav a").first


def test_the_menu_folds_behind_a_button_on_a_phone_and_works_from_the_keyboard(browser, live_server, world):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, world.member, "en")
    with failing_on_page_errors(page):
        page.set_viewport_size(PHONE)
        visit(page, live_server, "/meetings/")
        toggle, menu, first_link = menu_parts(page)
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_hidden()

        page.keyboard.press("Tab")  # the brand link, then the menu button
        page.keyboard.press("Tab")
        expect(toggle).to_be_focused()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(first_link).to_be_visible()
        page.keyboard.press("Tab")
        expect(first_link).to_be_focused()
        assert horizontal_overflow(page)["overflow"] == 0  # the open menu fits too
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()
        expect(menu).to_be_hidden()

        toggle.click()
        page.locator(".mainnav a", has_text="Calendar").click()
        page.wait_for_url("**/calendar/")

        page.set_viewport_size(DESKTOP)  # a wide window shows the menu itself, no button
        expect(toggle).to_be_hidden()
        expect(menu).to_be_visible()
        expect(first_link).to_be_visible()


def test_without_javascript_the_menu_shows_open_on_a_phone(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    sign_in(context, live_server, world.member)
    page = context.new_page()
    visit(page, live_server, "/dashboard/")
    toggle, menu, first_link = menu_parts(page)
    assert not toggle.is_visible()
    assert first_link.is_visible()
    assert horizontal_overflow(page)["overflow"] == 0


@pytest.mark.parametrize("viewport", [SMALL_PHONE, TABLET], ids=["360px", "768px"])
def test_pages_fit_the_narrowest_phone_and_a_tablet(browser, live_server, world, viewport):
    """In English (its words are the longer ones), with the menu closed and open."""
    meeting = world.shared.meeting
    page = signed_in_page(browser, live_server, world.owner, "en")
    page.set_viewport_size(viewport)
    problems = []
    for path in (
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/transcript/",
        "/meetings/",
        "/action-items/",
        f"/orgs/{world.organization.pk}/members/",
    ):
        visit(page, live_server, path)
        for menu in ("closed", "open"):
            if menu == "open":
                page.locator("[data-menu-toggle]").click()
            if (wide := horizontal_overflow(page))["overflow"]:
                problems.append(f"{path}, menu {menu}, scrolls sideways by {wide['overflow']} px: {wide['culprits']}")
    assert not problems, "\n".join(problems)


def test_the_player_stays_in_reach_while_the_meeting_page_scrolls_on_a_phone(member_page, live_server, world):
    page = member_page
    page.set_viewport_size(PHONE)
    visit(page, live_server, f"/meetings/{world.shared.meeting.pk}/")
    assert page.evaluate("document.documentElement.scrollHeight > 2 * window.innerHeight")  # a long page
    for place in ("document.querySelector('#transcript-panel')", "document.body"):
        page.evaluate(f"{place}.scrollIntoView({{block: 'end'}})")
        page.wait_for_function("window.scrollY > window.innerHeight")
        box = page.locator("#player").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (place, box)
    page.locator("#player").click(trial=True)  # nothing covers it: a thumb can reach it
