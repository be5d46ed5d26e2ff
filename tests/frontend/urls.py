"""The site's URLs plus a tiny same-origin page, for the browser test (``settings.ROOT_URLCONF``)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

PAGE = """<!doctype html>
<html lang="zh-hans">
<head><meta charset="utf-8"><title>同源前端 · same-origin page</title></head>
<body>
<pre id="result"></pre>
<script>
"use strict";

function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.split("=")[1]) : null;
}

async function call(method, url, { body, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get("ETag"), body: text ? JSON.parse(text) : null };
}

// What a same-origin frontend does: CSRF cookie, session login, read, write with If-Match, logout.
async function run(username, password, companyId) {
  const out = {};
  try {
    const csrf = await call("GET", "/api/v1/auth/csrf/");
    let token = csrf.body.csrf_token;
    out.csrf = { status: csrf.status, cookie: cookie("csrftoken") !== null };

    const refused = await call("POST", "/api/v1/auth/login/", { body: { username, password } });
    out.loginWithoutToken = { status: refused.status, detail: refused.body.detail };

    const login = await call("POST", "/api/v1/auth/login/", {
      body: { username, password },
      headers: { "X-CSRFToken": token },
    });
    out.login = { status: login.status, username: login.body.user.username, rotated: login.body.csrf_token !== token };
    token = login.body.csrf_token;
    out.login.cookieIsNewToken = cookie("csrftoken") !== null;

    const me = await call("GET", "/api/v1/auth/me/");
    out.me = { status: me.status, username: me.body.username, groups: me.body.groups };

    const url = `/api/v1/companies/${companyId}/`;
    const read = await call("GET", url);
    out.read = { status: read.status, etag: read.etag, version: read.body.version };

    const noToken = await call("PATCH", url, { body: { city: "无锡" }, headers: { "If-Match": read.etag } });
    out.patchWithoutToken = { status: noToken.status, detail: noToken.body.detail };

    const patch = await call("PATCH", url, {
      body: { city: "苏州" },
      headers: { "If-Match": read.etag, "X-CSRFToken": token },
    });
    out.patch = { status: patch.status, etag: patch.etag, version: patch.body.version, city: patch.body.city };

    const stale = await call("PATCH", url, {
      body: { city: "无锡" },
      headers: { "If-Match": read.etag, "X-CSRFToken": token },
    });
    out.stalePatch = { status: stale.status, detail: stale.body.detail };

    const logout = await call("POST", "/api/v1/auth/logout/", { headers: { "X-CSRFToken": token } });
    out.logout = { status: logout.status };
    out.afterLogout = { status: (await call("GET", "/api/v1/auth/me/")).status };
  } catch (error) {
    out.error = String(error && error.stack || error);
  }
  document.getElementById("result").textContent = JSON.stringify(out);
  document.body.dataset.done = "true";
}
</script>
</body>
</html>
"""


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("frontend-test/", page), *site_urlpatterns]
