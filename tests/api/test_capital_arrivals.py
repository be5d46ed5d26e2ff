import datetime as dt

from tests.api.base import ResourceTests, if_match
from tests.factories import CapitalArrivalFactory, ProjectFactory


def of_project():
    project = ProjectFactory()
    return {"project": project.pk}, CapitalArrivalFactory(project=project), CapitalArrivalFactory()


class TestCapitalArrivals(ResourceTests):
    endpoint = "capital-arrivals"
    filters = {
        "project": of_project,
        "arrived_on__gte": lambda: (
            {"arrived_on__gte": "2024-11-01"},
            CapitalArrivalFactory(arrived_on=dt.date(2024, 11, 1)),
            CapitalArrivalFactory(arrived_on=dt.date(2024, 10, 31)),
        ),
        "arrived_on__lte": lambda: (
            {"arrived_on__lte": "2024-11-01"},
            CapitalArrivalFactory(arrived_on=dt.date(2024, 11, 1)),
            CapitalArrivalFactory(arrived_on=dt.date(2024, 11, 2)),
        ),
    }

    def create_payload(self):
        return {
            "project": ProjectFactory().pk,
            "amount": "300000000.00",
            "arrived_on": "2024-11-15",
            "note": "首期注册资本金到位",
        }

    def patch_payload(self):
        return {"amount": "250000000.00", "note": "更正金额"}

    def arrived(self, api, project):
        return api.get(f"/api/v1/projects/{project.pk}/").json()["arrived_investment"]

    def test_it_adds_every_arrival_to_the_projects_arrived_investment(self, editor_api):
        project = ProjectFactory()
        assert self.arrived(editor_api, project) == "0.00"
        for amount in ("300000000.00", "200000000.50"):
            payload = {"project": project.pk, "amount": amount, "arrived_on": "2024-11-15"}
            assert editor_api.post(self.list_url(), payload, format="json").status_code == 201
        CapitalArrivalFactory(project=ProjectFactory())  # another project's money
        assert self.arrived(editor_api, project) == "500000000.50"

    def test_it_takes_a_corrected_or_deleted_arrival_out_of_the_sum(self, api):
        project = ProjectFactory()
        first = CapitalArrivalFactory(project=project, amount="100.00")
        second = CapitalArrivalFactory(project=project, amount="50.00")
        api.patch(self.detail_url(first), {"amount": "80.00"}, **if_match(1))
        api.delete(self.detail_url(second), **if_match(1))
        assert self.arrived(api, project) == "80.00"

    def test_it_shows_the_project_name(self, viewer_api):
        arrival = CapitalArrivalFactory(project=ProjectFactory(name="华润新能源项目"))
        assert viewer_api.get(self.detail_url(arrival)).json()["project_name"] == "华润新能源项目"
