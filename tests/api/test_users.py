from tests.api.base import ReadOnlyResourceTests, ids_in
from tests.factories import UserFactory

ROLE_READS = ("list", "retrieve")


def in_group():
    return {"group": "editor"}, UserFactory(role="editor"), UserFactory(role="viewer")


class TestUsers(ReadOnlyResourceTests):
    endpoint = "users"
    roles = {"viewer": ROLE_READS, "editor": ROLE_READS, "manager": ROLE_READS, "nobody": ()}
    labels = {"language": ("zh-hans", "简体中文")}
    filters = {
        "group": in_group,
        "group:manager": lambda: ({"group": "manager"}, UserFactory(role="manager"), UserFactory(role="editor")),
        "is_active": lambda: ({"is_active": "false"}, UserFactory(is_active=False), UserFactory(is_active=True)),
        "is_active:true": lambda: ({"is_active": "true"}, UserFactory(is_active=True), UserFactory(is_active=False)),
        "search": lambda: (
            {"search": "张伟"},
            UserFactory(username="zhangwei", full_name="张伟"),
            UserFactory(username="liming", full_name="李明"),
        ),
        "search:username": lambda: (
            {"search": "ZHANG"},
            UserFactory(username="zhangwei", full_name="张伟"),
            UserFactory(username="liming", full_name="李明"),
        ),
    }

    def test_it_lists_each_users_roles(self, viewer_api):
        both = UserFactory(role="editor")
        both.groups.add(*type(both.groups.first()).objects.filter(name="manager"))
        body = viewer_api.get(self.detail_url(both)).json()
        assert body["groups"] == ["editor", "manager"]
        assert body["full_name"] == str(both)
        assert body["language"] == "zh-hans"

    def test_it_gives_a_superuser_every_role(self, viewer_api):
        boss = UserFactory(is_superuser=True)
        assert viewer_api.get(self.detail_url(boss)).json()["groups"] == ["editor", "manager", "viewer"]

    def test_it_finds_users_by_email(self, viewer_api):
        user = UserFactory(email="wang@czinvest.gov.cn")
        assert ids_in(viewer_api.get(self.list_url(), {"search": "czinvest"})) == {user.pk}

    def test_it_lets_nobody_change_users_through_the_api(self, viewer_api, editor_api, api):
        # The role matrix answers first (403); users/ itself has no write methods (405).
        user = UserFactory()
        expected = {
            "viewer": (viewer_api, {"post": 403, "patch": 403, "delete": 403}),
            "editor": (editor_api, {"post": 405, "patch": 405, "delete": 403}),
            "manager": (api, {"post": 405, "patch": 405, "delete": 405}),
        }
        for role, (client, statuses) in expected.items():
            answers = {
                "post": client.post(self.list_url(), {"username": "new"}).status_code,
                "patch": client.patch(self.detail_url(user), {"full_name": "x"}).status_code,
                "delete": client.delete(self.detail_url(user)).status_code,
            }
            assert answers == statuses, role
        user.refresh_from_db()
        assert user.full_name != "x"
