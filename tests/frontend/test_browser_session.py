"""A same-origin page in a real Chromium signs in with a session and CSRF, reads and writes with If-Match."""

import json

import pytest
from django.core.cache import cache

from tests.factories import CompanyFactory, UserFactory

from .conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.slow

PASSWORD = "browser-pass-for-tests-2024"


@pytest.mark.django_db(transaction=True)
def test_a_same_origin_page_signs_in_with_a_session_and_writes_with_csrf_and_if_match(
    chromium, live_server, settings, monkeypatch
):
    from playwright.sync_api import sync_playwright

    settings.ROOT_URLCONF = "tests.frontend.urls"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    UserFactory(username="liuyang", password=PASSWORD, role="editor")
    company = CompanyFactory(city="深圳")
    cache.clear()  # the login shares the token endpoint's throttle

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/frontend-test/")
            page.evaluate("([u, p, id]) => run(u, p, id)", ["liuyang", PASSWORD, company.pk])
            page.wait_for_selector("body[data-done]", state="attached", timeout=30_000)
            result = json.loads(page.text_content("#result"))
            cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
        finally:
            browser.close()

    assert "error" not in result, result["error"]
    assert result["csrf"] == {"status": 200, "cookie": True}
    assert result["loginWithoutToken"]["status"] == 403
    assert "CSRF" in result["loginWithoutToken"]["detail"]
    assert result["login"]["status"] == 200
    assert result["login"]["username"] == "liuyang"
    assert result["login"]["rotated"] is True
    assert result["me"] == {"status": 200, "username": "liuyang", "groups": ["editor"]}
    assert result["read"] == {"status": 200, "etag": '"1"', "version": 1}
    assert result["patchWithoutToken"]["status"] == 403
    assert "CSRF" in result["patchWithoutToken"]["detail"]
    assert result["patch"] == {"status": 200, "etag": '"2"', "version": 2, "city": "苏州"}
    assert result["stalePatch"]["status"] == 412
    assert result["logout"] == {"status": 204}
    assert result["afterLogout"]["status"] == 401
    assert cookies["csrftoken"]["sameSite"] == "Lax"
    assert "sessionid" not in cookies or not cookies["sessionid"]["value"]  # logout ended it

    company.refresh_from_db()
    assert (company.city, company.version) == ("苏州", 2)
