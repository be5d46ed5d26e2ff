import datetime as dt

from crm.models import Project
from crm.services import today
from tests.api.base import ResourceTests, act, if_match
from tests.factories import (
    CapitalArrivalFactory,
    CompanyFactory,
    IndustryFactory,
    MilestoneFactory,
    ProjectFactory,
    UserFactory,
)


def of_company():
    company = CompanyFactory()
    return {"company": company.pk}, ProjectFactory(company=company), ProjectFactory()


def in_industry():
    chain = IndustryFactory(name="合成生物")
    wanted, unwanted = ProjectFactory(), ProjectFactory()
    wanted.industries.set([IndustryFactory(parent=chain)])
    unwanted.industries.set([IndustryFactory()])
    return {"industry": chain.pk}, wanted, unwanted


def owned_by():
    owner = UserFactory(role="editor")
    return {"owner": owner.pk}, ProjectFactory(owner=owner), ProjectFactory(owner=UserFactory(role="editor"))


def invested(amount):
    return ProjectFactory(total_investment=amount)


class TestProjects(ResourceTests):
    endpoint = "projects"
    labels = {"kind": ("rnd_platform", "研发平台"), "stage": ("full_production", "达产")}
    filters = {
        "stage": lambda: ({"stage": "construction"}, ProjectFactory(stage="construction"), ProjectFactory()),
        "stage:several": lambda: (
            {"stage": ["lead", "signed"]},
            ProjectFactory(stage="signed"),
            ProjectFactory(stage="negotiating"),
        ),
        "company": of_company,
        "industry": in_industry,
        "owner": owned_by,
        "location": lambda: (
            {"location": "武进"},
            ProjectFactory(location="武进"),
            ProjectFactory(location="武进国家高新区"),
        ),
        "total_investment__gte": lambda: (
            {"total_investment__gte": "100000000"},
            invested("100000000.00"),
            invested("99999999.99"),
        ),
        "total_investment__lte": lambda: (
            {"total_investment__lte": "100000000"},
            invested("100000000.00"),
            invested("100000000.01"),
        ),
    }

    def create_payload(self):
        return {
            "name": "华润新能源电池项目",
            "code_name": "H项目",
            "is_confidential": False,
            "company": CompanyFactory().pk,
            "industries": [IndustryFactory().pk],
            "kind": "industrial",
            "total_investment": "2000000000.00",
            "contracted_investment": "1500000000.00",
            "jobs_planned": 800,
            "location": "常州高新区",
            "description": "年产10GWh动力电池",
        }

    def patch_payload(self):
        return {"total_investment": "2500000000.00", "location": "武进"}

    def stage_url(self, project):
        return f"{self.detail_url(project)}change-stage/"

    def history_of(self, api, project):
        response = api.get(f"{self.detail_url(project)}stage-history/")
        assert response.status_code == 200, response.content
        return response.json()["results"]

    # Creating -----------------------------------------------------------------------------------

    def test_it_makes_the_creator_the_owner_when_none_is_named(self, editor, editor_api):
        body = editor_api.post(self.list_url(), {"name": "赛桥生物"}, format="json").json()
        assert body["owner"] == editor.pk
        assert body["stage"] == "lead"
        assert body["stage_changed_on"] == today().isoformat()

    def test_it_records_the_first_stage_of_a_new_project(self, editor, editor_api):
        body = editor_api.post(self.list_url(), {"name": "深创投基金", "stage": "signed"}, format="json").json()
        [first] = self.history_of(editor_api, body["id"])
        assert (first["from_stage"], first["to_stage"], first["changed_by"]) == ("", "signed", editor.pk)

    def test_it_ignores_a_written_arrived_investment(self, editor_api):
        project = ProjectFactory()
        CapitalArrivalFactory(project=project, amount="10.00")
        response = editor_api.patch(self.detail_url(project), {"arrived_investment": "999.00"}, **if_match(1))
        assert response.status_code == 200
        assert response.json()["arrived_investment"] == "10.00"

    def test_it_shows_money_as_decimal_strings_and_allows_unknown_amounts(self, editor_api):
        body = editor_api.post(self.list_url(), {"name": "意向项目", "total_investment": None}, format="json").json()
        assert body["total_investment"] is None
        assert body["arrived_investment"] == "0.00"
        patched = editor_api.patch(self.detail_url(body["id"]), {"total_investment": 2e9}, **if_match(1)).json()
        assert patched["total_investment"] == "2000000000.00"

    # Stages -------------------------------------------------------------------------------------

    def test_it_lets_an_editor_move_a_stage_forward_with_a_reason(self, editor, editor_api):
        project = ProjectFactory(stage="negotiating")
        response = editor_api.patch(
            self.detail_url(project), {"stage": "construction", "stage_reason": "已取得施工许可"}, **if_match(1)
        )
        assert response.status_code == 200, response.content
        assert response.json()["stage"] == "construction"
        assert response.json()["stage_changed_on"] == today().isoformat()
        [change] = self.history_of(editor_api, project)
        assert change["from_stage"] == "negotiating"
        assert change["to_stage"] == "construction"
        assert change["changed_by"] == editor.pk
        assert change["changed_by_name"] == str(editor)
        assert change["reason"] == "已取得施工许可"
        assert change["is_correction"] is False

    def test_it_changes_the_stage_and_other_fields_in_one_patch(self, editor_api):
        project = ProjectFactory(stage="signed")
        response = editor_api.patch(
            self.detail_url(project), {"stage": "construction", "jobs_planned": 500}, **if_match(1)
        )
        assert (response.json()["stage"], response.json()["jobs_planned"]) == ("construction", 500)

    def test_it_moves_a_stage_with_the_change_stage_action(self, editor, editor_api):
        project = ProjectFactory(stage="signed")
        payload = {"stage": "construction", "reason": "开工仪式", "changed_on": "2024-11-01"}
        response = act(editor_api, self.stage_url(project), payload)
        assert response.status_code == 200, response.content
        assert response.json()["stage_changed_on"] == "2024-11-01"
        [change] = self.history_of(editor_api, project)
        assert (change["to_stage"], change["changed_on"], change["reason"]) == (
            "construction",
            "2024-11-01",
            "开工仪式",
        )

    def test_it_forbids_an_editor_to_move_a_stage_backward(self, editor_api):
        project = ProjectFactory(stage="construction")
        patched = editor_api.patch(self.detail_url(project), {"stage": "signed", "location": "金坛"}, **if_match(1))
        posted = act(editor_api, self.stage_url(project), {"stage": "lead"})
        assert patched.status_code == 403
        assert posted.status_code == 403
        project.refresh_from_db()
        assert (project.stage, project.location, project.version) == ("construction", "常州高新区", 1)
        assert self.history_of(editor_api, project) == []

    def test_it_lets_a_manager_correct_a_stage_backward(self, manager, api):
        project = ProjectFactory(stage="construction")
        response = api.patch(self.detail_url(project), {"stage": "signed", "stage_reason": "误报开工"}, **if_match(1))
        assert response.status_code == 200, response.content
        [change] = self.history_of(api, project)
        assert (change["from_stage"], change["to_stage"]) == ("construction", "signed")
        assert change["is_correction"] is True
        assert change["changed_by"] == manager.pk
        assert change["reason"] == "误报开工"

    def test_it_lets_an_editor_stall_a_project_and_resume_it(self, editor_api):
        project = ProjectFactory(stage="negotiating")
        for stage in ("stalled", "negotiating", "dropped", "signed"):
            response = act(editor_api, self.stage_url(project), {"stage": stage})
            assert response.status_code == 200, (stage, response.content)
        changes = self.history_of(editor_api, project)
        assert [(c["from_stage"], c["to_stage"]) for c in changes] == [
            ("negotiating", "stalled"),
            ("stalled", "negotiating"),
            ("negotiating", "dropped"),
            ("dropped", "signed"),
        ]
        assert not any(c["is_correction"] for c in changes)

    def test_it_forbids_an_editor_to_resume_a_stalled_project_at_an_earlier_stage(self, editor_api, api):
        project = ProjectFactory(stage="construction")
        act(editor_api, self.stage_url(project), {"stage": "stalled"})
        assert act(editor_api, self.stage_url(project), {"stage": "signed"}).status_code == 403
        response = act(api, self.stage_url(project), {"stage": "signed", "reason": "误录为开工，实为签约"})
        assert response.status_code == 200
        assert self.history_of(api, project)[-1]["is_correction"] is True

    def test_a_correction_without_a_reason_is_refused_even_for_a_manager(self, api):
        project = ProjectFactory(stage="construction")
        response = act(api, self.stage_url(project), {"stage": "signed"})
        assert response.status_code == 400, response.content
        assert "reason" in response.json()
        patched = api.patch(self.detail_url(project), {"stage": "signed"}, format="json", **if_match(1))
        assert patched.status_code == 400, patched.content
        assert "stage_reason" in patched.json()
        project.refresh_from_db()
        assert (project.stage, project.version) == ("construction", 1)

    def test_a_move_dated_before_the_latest_change_is_refused(self, editor_api, api):
        project = ProjectFactory(stage="negotiating")
        first = act(editor_api, self.stage_url(project), {"stage": "signed", "changed_on": "2024-10-22"})
        assert first.status_code == 200, first.content
        response = act(editor_api, self.stage_url(project), {"stage": "construction", "changed_on": "2024-10-01"})
        assert response.status_code == 400, response.content
        assert "changed_on" in response.json()
        assert [c["to_stage"] for c in self.history_of(api, project)][-1] == "signed"

    def test_an_action_without_a_precondition_answers_428(self, editor_api):
        project = ProjectFactory(stage="negotiating")
        response = editor_api.post(self.stage_url(project), {"stage": "signed"}, format="json")
        assert response.status_code == 428, response.content
        project.refresh_from_db()
        assert project.stage == "negotiating"

    def test_a_project_is_created_at_its_stage_with_the_date_and_reason_of_that_stage(self, editor_api, api):
        body = {
            "name": "补录项目",
            "stage": "signed",
            "stage_changed_on": "2024-10-22",
            "stage_reason": "深圳推介会签约",
        }
        created = editor_api.post(self.list_url(), body, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["stage_changed_on"] == "2024-10-22"
        history = self.history_of(api, Project.objects.get(pk=created.json()["id"]))
        assert [(c["to_stage"], c["changed_on"], c["reason"]) for c in history] == [
            ("signed", "2024-10-22", "深圳推介会签约")
        ]

    def test_a_project_cannot_be_created_with_a_stage_date_in_the_future(self, editor_api):
        tomorrow = (today() + dt.timedelta(days=1)).isoformat()
        response = editor_api.post(self.list_url(), {"name": "未来项目", "stage_changed_on": tomorrow}, format="json")
        assert response.status_code == 400, response.content
        assert "stage_changed_on" in response.json()

    def test_its_stage_history_lists_every_change_with_user_and_reason(self, editor, manager, editor_api, api):
        project_id = editor_api.post(self.list_url(), {"name": "瑞声科技研发中心"}, format="json").json()["id"]
        act(editor_api, self.stage_url(project_id), {"stage": "negotiating", "reason": "首次洽谈"})
        act(editor_api, self.stage_url(project_id), {"stage": "construction", "reason": "签约即开工"})
        act(api, self.stage_url(project_id), {"stage": "signed", "reason": "更正"})
        changes = self.history_of(editor_api, project_id)
        assert [(c["to_stage"], c["changed_by"], c["reason"], c["is_correction"]) for c in changes] == [
            ("lead", editor.pk, "创建项目", False),
            ("negotiating", editor.pk, "首次洽谈", False),
            ("construction", editor.pk, "签约即开工", False),
            ("signed", manager.pk, "更正", True),
        ]

    def test_it_refuses_a_move_to_the_stage_it_is_at(self, editor_api):
        project = ProjectFactory(stage="signed")
        response = act(editor_api, self.stage_url(project), {"stage": "signed"})
        assert response.status_code == 400
        assert "stage" in response.json()

    def test_it_refuses_a_stage_change_dated_in_the_future(self, editor_api):
        project = ProjectFactory(stage="signed")
        tomorrow = (today() + dt.timedelta(days=1)).isoformat()
        response = act(editor_api, self.stage_url(project), {"stage": "construction", "changed_on": tomorrow})
        assert response.status_code == 400
        assert "changed_on" in response.json()

    def test_it_refuses_a_stage_change_with_a_stale_version(self, editor_api):
        project = ProjectFactory(stage="signed")
        project.save()
        response = editor_api.post(self.stage_url(project), {"stage": "construction", "version": 1}, format="json")
        assert response.status_code == 412
        project.refresh_from_db()
        assert project.stage == "signed"

    def test_it_forbids_a_viewer_to_change_a_stage(self, viewer_api):
        project = ProjectFactory(stage="signed")
        assert act(viewer_api, self.stage_url(project), {"stage": "construction"}).status_code == 403

    # Deleting -----------------------------------------------------------------------------------

    def test_it_refuses_to_delete_a_project_with_money_or_milestones(self, api):
        funded, planned = ProjectFactory(), ProjectFactory()
        CapitalArrivalFactory(project=funded)
        MilestoneFactory(project=planned)
        for project, kind in ((funded, "资金到位"), (planned, "节点")):
            response = api.delete(self.detail_url(project), **if_match(1))
            assert response.status_code == 409
            assert kind in response.json()["detail"]
            assert Project.objects.filter(pk=project.pk).exists()

    def test_it_deletes_a_project_with_its_stage_history(self, api):
        project_id = api.post(self.list_url(), {"name": "试验项目"}, format="json").json()["id"]
        assert api.delete(self.detail_url(project_id), **if_match(1)).status_code == 204
