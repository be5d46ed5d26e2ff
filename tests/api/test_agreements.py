import datetime as dt

from crm.models import ProjectStageChange
from crm.services import today
from tests.api.base import ResourceTests, act, if_match
from tests.factories import AgreementFactory, CompanyFactory, MeetingFactory, ProjectFactory


def with_party():
    party = CompanyFactory()
    wanted, unwanted = AgreementFactory(), AgreementFactory()
    wanted.companies.set([party, CompanyFactory(is_home_side=True)])
    unwanted.companies.set([CompanyFactory()])
    return {"company": party.pk}, wanted, unwanted


def signed_at():
    meeting = MeetingFactory(kind="signing_ceremony")
    return {"meeting": meeting.pk}, AgreementFactory(meeting=meeting), AgreementFactory(meeting=MeetingFactory())


class TestAgreements(ResourceTests):
    endpoint = "agreements"
    labels = {"kind": ("strategic_cooperation", "战略合作协议"), "status": ("in_force", "履行中")}
    filters = {
        "kind": lambda: ({"kind": "fund"}, AgreementFactory(kind="fund"), AgreementFactory(kind="mou")),
        "company": with_party,
        "status": lambda: (
            {"status": "signed"},
            AgreementFactory(status="signed", signed_on=dt.date(2024, 10, 22)),
            AgreementFactory(status="draft"),
        ),
        "signed_on__gte": lambda: (
            {"signed_on__gte": "2024-10-22"},
            AgreementFactory(signed_on=dt.date(2024, 10, 22)),
            AgreementFactory(signed_on=dt.date(2024, 10, 21)),
        ),
        "signed_on__lte": lambda: (
            {"signed_on__lte": "2024-10-22"},
            AgreementFactory(signed_on=dt.date(2024, 10, 22)),
            AgreementFactory(signed_on=dt.date(2024, 10, 23)),
        ),
        "meeting": signed_at,
    }

    def create_payload(self):
        return {
            "title": "深圳乐荟 × 常州高新区管委会 战略合作协议",
            "kind": "strategic_cooperation",
            "companies": [CompanyFactory().pk, CompanyFactory(kind="government", is_home_side=True).pk],
            "signed_on": None,
            "meeting": MeetingFactory().pk,
            "project": ProjectFactory().pk,
            "amount": "2000000000.00",
            "status": "draft",
            "summary": "共建产业园",
        }

    def patch_payload(self):
        return {"amount": "1500000000.00", "summary": "金额调整"}

    # Signing ------------------------------------------------------------------------------------

    def test_it_signs_an_agreement_and_moves_its_project_to_signed(self, editor, editor_api):
        project = ProjectFactory(stage="negotiating")
        agreement = AgreementFactory(project=project, title="项目投资协议")
        response = act(editor_api, f"{self.detail_url(agreement)}sign/")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "signed"
        assert body["signed_on"] == today().isoformat()
        assert response["ETag"] == f'"{body["version"]}"'
        project.refresh_from_db()
        assert project.stage == "signed"
        change = ProjectStageChange.objects.filter(project=project).latest("id")
        assert (change.from_stage, change.to_stage, change.changed_by) == ("negotiating", "signed", editor)
        assert "项目投资协议" in change.reason

    def test_it_moves_a_project_from_lead_when_signed(self, editor_api):
        project = ProjectFactory(stage="lead")
        agreement = AgreementFactory(project=project)
        act(editor_api, f"{self.detail_url(agreement)}sign/")
        project.refresh_from_db()
        assert project.stage == "signed"

    def test_it_keeps_the_signing_date_already_written(self, editor_api):
        agreement = AgreementFactory(signed_on=dt.date(2024, 10, 22))
        body = act(editor_api, f"{self.detail_url(agreement)}sign/").json()
        assert body["signed_on"] == "2024-10-22"

    def test_it_leaves_a_project_under_construction_where_it_is(self, editor_api):
        project = ProjectFactory(stage="construction")
        agreement = AgreementFactory(project=project)
        assert act(editor_api, f"{self.detail_url(agreement)}sign/").status_code == 200
        project.refresh_from_db()
        assert project.stage == "construction"
        assert not ProjectStageChange.objects.filter(project=project).exists()

    def test_it_signs_when_the_status_is_patched_to_signed(self, editor_api):
        project = ProjectFactory(stage="negotiating")
        agreement = AgreementFactory(project=project)
        response = editor_api.patch(self.detail_url(agreement), {"status": "signed"}, **if_match(1))
        assert response.status_code == 200, response.content
        assert response.json()["signed_on"] == today().isoformat()
        project.refresh_from_db()
        assert project.stage == "signed"

    def test_it_forbids_a_viewer_to_sign(self, viewer_api):
        agreement = AgreementFactory()
        assert act(viewer_api, f"{self.detail_url(agreement)}sign/").status_code == 403
        agreement.refresh_from_db()
        assert agreement.status == "draft"

    def test_it_refuses_to_sign_with_a_stale_etag(self, editor_api):
        agreement = AgreementFactory()
        agreement.save()
        response = editor_api.post(f"{self.detail_url(agreement)}sign/", **if_match(1))
        assert response.status_code == 412
        agreement.refresh_from_db()
        assert agreement.status == "draft"

    def test_it_refuses_a_signing_date_in_the_future(self, editor_api):
        payload = {"title": "协议", "signed_on": (today() + dt.timedelta(days=1)).isoformat()}
        response = editor_api.post(self.list_url(), payload, format="json")
        assert response.status_code == 400
        assert "signed_on" in response.json()

    def test_it_shows_the_project_and_meeting_names(self, viewer_api):
        agreement = AgreementFactory(
            project=ProjectFactory(name="新能源电池项目"), meeting=MeetingFactory(title="签约仪式")
        )
        body = viewer_api.get(self.detail_url(agreement)).json()
        assert (body["project_name"], body["meeting_title"]) == ("新能源电池项目", "签约仪式")
