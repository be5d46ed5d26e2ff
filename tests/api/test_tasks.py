import datetime as dt

from crm.models import Task
from crm.services import today
from tests.api.base import ResourceTests, act, if_match
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MeetingFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)

DAY = dt.timedelta(days=1)


def assigned_to():
    assignee = UserFactory(role="editor")
    return {"assignee": assignee.pk}, TaskFactory(assignee=assignee), TaskFactory(assignee=None)


def about(field, factory):
    def case():
        target = factory()
        return {field: target.pk}, TaskFactory(**{field: target}), TaskFactory(**{field: factory()})

    return case


def due(days_from_today, **fields):
    return TaskFactory(due_on=today() + days_from_today * DAY, **fields)


class TestTasks(ResourceTests):
    endpoint = "tasks"
    labels = {"priority": ("urgent", "紧急"), "status": ("in_progress", "进行中")}
    filters = {
        "assignee": assigned_to,
        "status": lambda: ({"status": "in_progress"}, TaskFactory(status="in_progress"), TaskFactory(status="open")),
        "priority": lambda: ({"priority": "high"}, TaskFactory(priority="high"), TaskFactory(priority="normal")),
        "priority:several": lambda: (
            {"priority": ["high", "urgent"]},
            TaskFactory(priority="urgent"),
            TaskFactory(priority="low"),
        ),
        "due_on__gte": lambda: (
            {"due_on__gte": "2025-01-15"},
            TaskFactory(due_on=dt.date(2025, 1, 15)),
            TaskFactory(due_on=dt.date(2025, 1, 14)),
        ),
        "due_on__lte": lambda: (
            {"due_on__lte": "2025-01-15"},
            TaskFactory(due_on=dt.date(2025, 1, 15)),
            TaskFactory(due_on=dt.date(2025, 1, 16)),
        ),
        "company": about("company", CompanyFactory),
        "project": about("project", ProjectFactory),
        "meeting": about("meeting", MeetingFactory),
        "agreement": about("agreement", AgreementFactory),
        "overdue": lambda: ({"overdue": "true"}, due(-1), due(0)),
        "overdue:done": lambda: ({"overdue": "true"}, due(-1), due(-1, status="done", done_at=dt.datetime.now(dt.UTC))),
        "overdue:false": lambda: ({"overdue": "false"}, due(+1), due(-1, status="in_progress")),
    }

    def create_payload(self):
        return {
            "title": "协调200亩工业用地指标",
            "description": "会后一周内反馈",
            "assignee": UserFactory(role="editor").pk,
            "due_on": "2024-10-29",
            "priority": "high",
            "status": "open",
            "company": CompanyFactory().pk,
            "meeting": MeetingFactory().pk,
            "agreement": AgreementFactory().pk,
            "project": ProjectFactory().pk,
        }

    def patch_payload(self):
        return {"priority": "urgent", "title": "尽快协调用地"}

    def test_it_completes_a_task_and_reopens_it(self, editor_api):
        task = TaskFactory()
        completed = act(editor_api, f"{self.detail_url(task)}complete/")
        assert completed.status_code == 200, completed.content
        assert completed.json()["status"] == "done"
        assert completed.json()["done_at"] is not None
        reopened = act(editor_api, f"{self.detail_url(task)}reopen/")
        assert reopened.status_code == 200, reopened.content
        assert (reopened.json()["status"], reopened.json()["done_at"]) == ("open", None)

    def test_it_sets_done_at_when_the_status_is_patched_to_done(self, editor_api):
        task = TaskFactory(status="in_progress")
        done = editor_api.patch(self.detail_url(task), {"status": "done"}, **if_match(1))
        assert done.status_code == 200, done.content
        assert done.json()["done_at"] is not None
        assert Task.objects.get(pk=task.pk).done_at is not None
        moved_on = editor_api.patch(self.detail_url(task), {"status": "cancelled"}, **if_match(done.json()["version"]))
        assert (moved_on.json()["status"], moved_on.json()["done_at"]) == ("cancelled", None)

    def test_it_sets_done_at_on_a_task_created_done(self, editor_api):
        body = editor_api.post(self.list_url(), {"title": "已办结", "status": "done"}, format="json").json()
        assert body["status"] == "done"
        assert body["done_at"] is not None

    def test_it_ignores_a_written_done_at(self, editor_api):
        task = TaskFactory()
        response = editor_api.patch(self.detail_url(task), {"done_at": "2024-10-22T09:00:00+08:00"}, **if_match(1))
        assert response.status_code == 200
        assert response.json()["done_at"] is None

    def test_it_flags_an_open_task_past_its_date_as_overdue(self, viewer_api):
        late, finished = due(-1), due(-1, status="done", done_at=dt.datetime.now(dt.UTC))
        assert viewer_api.get(self.detail_url(late)).json()["overdue"] is True
        assert viewer_api.get(self.detail_url(finished)).json()["overdue"] is False

    def test_it_forbids_a_viewer_to_complete_a_task(self, viewer_api):
        task = TaskFactory()
        assert act(viewer_api, f"{self.detail_url(task)}complete/").status_code == 403
