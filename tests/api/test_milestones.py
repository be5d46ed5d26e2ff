import datetime as dt

from crm.services import today
from tests.api.base import ResourceTests, act, if_match
from tests.factories import MilestoneFactory, ProjectFactory, UserFactory

DAY = dt.timedelta(days=1)


def of_project():
    project = ProjectFactory()
    return {"project": project.pk}, MilestoneFactory(project=project), MilestoneFactory()


def assigned_to():
    assignee = UserFactory(role="editor")
    return (
        {"assignee": assignee.pk},
        MilestoneFactory(assignee=assignee),
        MilestoneFactory(assignee=UserFactory(role="editor")),
    )


def due(days_from_today, **fields):
    return MilestoneFactory(due_on=today() + days_from_today * DAY, **fields)


class TestMilestones(ResourceTests):
    endpoint = "milestones"
    labels = {"kind": ("production_start", "投产")}
    filters = {
        "project": of_project,
        "kind": lambda: ({"kind": "land"}, MilestoneFactory(kind="land"), MilestoneFactory(kind="completion")),
        "assignee": assigned_to,
        "due_on__gte": lambda: (
            {"due_on__gte": "2025-03-01"},
            MilestoneFactory(due_on=dt.date(2025, 3, 1)),
            MilestoneFactory(due_on=dt.date(2025, 2, 28)),
        ),
        "due_on__lte": lambda: (
            {"due_on__lte": "2025-03-01"},
            MilestoneFactory(due_on=dt.date(2025, 3, 1)),
            MilestoneFactory(due_on=dt.date(2025, 3, 2)),
        ),
        "done": lambda: ({"done": "true"}, MilestoneFactory(done_on=dt.date(2025, 1, 1)), MilestoneFactory()),
        "done:false": lambda: ({"done": "false"}, MilestoneFactory(), MilestoneFactory(done_on=dt.date(2025, 1, 1))),
        "overdue": lambda: ({"overdue": "true"}, due(-1), due(0)),
        "overdue:done": lambda: ({"overdue": "true"}, due(-1), due(-1, done_on=today())),
        "overdue:false": lambda: ({"overdue": "false"}, due(+1), due(-1)),
    }

    def create_payload(self):
        return {
            "project": ProjectFactory().pk,
            "title": "主体厂房竣工",
            "kind": "completion",
            "due_on": "2025-06-30",
            "done_on": None,
            "assignee": UserFactory(role="editor").pk,
            "notes": "早竣工、早达产",
        }

    def patch_payload(self):
        return {"due_on": "2025-05-31", "title": "厂房提前竣工"}

    def test_it_completes_a_milestone_today_and_reopens_it(self, editor, editor_api):
        milestone = MilestoneFactory()
        completed = act(editor_api, f"{self.detail_url(milestone)}complete/")
        assert completed.status_code == 200, completed.content
        assert completed.json()["done_on"] == today().isoformat()
        assert completed.json()["done"] is True
        reopened = act(editor_api, f"{self.detail_url(milestone)}reopen/")
        assert reopened.status_code == 200, reopened.content
        assert reopened.json()["done_on"] is None
        assert reopened.json()["done"] is False
        latest = editor_api.get(f"{self.detail_url(milestone)}history/").json()["results"][0]
        assert latest["history_user"] == editor.pk
        assert latest["changes"] == [{"field": "done_on", "old": today().isoformat(), "new": None}]

    def test_it_completes_and_reopens_a_milestone_through_done_on(self, editor_api):
        milestone = MilestoneFactory()
        done = editor_api.patch(self.detail_url(milestone), {"done_on": "2024-12-01"}, **if_match(1))
        assert done.status_code == 200, done.content
        assert done.json()["done_on"] == "2024-12-01"
        reopened = editor_api.patch(self.detail_url(milestone), {"done_on": None}, **if_match(done.json()["version"]))
        assert reopened.status_code == 200, reopened.content
        assert reopened.json()["done_on"] is None

    def test_it_refuses_a_completion_in_the_future(self, editor_api):
        milestone = MilestoneFactory()
        tomorrow = (today() + DAY).isoformat()
        response = editor_api.patch(self.detail_url(milestone), {"done_on": tomorrow}, **if_match(1))
        assert response.status_code == 400
        assert "done_on" in response.json()

    def test_it_flags_an_open_milestone_past_its_date_as_overdue(self, viewer_api):
        late, reached = due(-3), due(-3, done_on=today())
        assert viewer_api.get(self.detail_url(late)).json()["overdue"] is True
        assert viewer_api.get(self.detail_url(reached)).json()["overdue"] is False

    def test_it_forbids_a_viewer_to_complete_a_milestone(self, viewer_api):
        milestone = MilestoneFactory()
        assert act(viewer_api, f"{self.detail_url(milestone)}complete/").status_code == 403
        milestone.refresh_from_db()
        assert milestone.done_on is None
