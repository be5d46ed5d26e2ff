import itertools

from crm.models import Industry
from tests.api.base import ResourceTests, if_match
from tests.factories import IndustryFactory

_codes = itertools.count()


def below():
    chain = IndustryFactory(name="人工智能")
    return {"parent": chain.pk}, IndustryFactory(parent=chain), IndustryFactory(parent=IndustryFactory())


class TestIndustries(ResourceTests):
    endpoint = "industries"
    filters = {
        "parent": below,
        "search": lambda: ({"search": "合成生物"}, IndustryFactory(name="合成生物"), IndustryFactory(name="新材料")),
        "search:english": lambda: (
            {"search": "LOW-ALTITUDE"},
            IndustryFactory(name="低空经济", name_en="Low-altitude economy"),
            IndustryFactory(name="大消费", name_en="Consumer goods"),
        ),
    }

    def create_payload(self):
        return {
            "name": "第三代半导体",
            "name_en": "Third-generation semiconductors",
            "code": f"semiconductors-{next(_codes)}",
            "parent": IndustryFactory().pk,
        }

    def patch_payload(self):
        return {"name": "新能源汽车"}

    def test_it_refuses_a_duplicate_code(self, editor_api):
        IndustryFactory(code="new-energy")
        response = editor_api.post(self.list_url(), {"name": "新能源", "code": "new-energy"}, format="json")
        assert response.status_code == 400
        assert "code" in response.json()

    def test_it_refuses_to_put_an_industry_below_its_own_child(self, editor_api):
        chain = IndustryFactory()
        child = IndustryFactory(parent=chain)
        response = editor_api.patch(self.detail_url(chain), {"parent": child.pk}, **if_match(1))
        assert response.status_code == 400
        assert "parent" in response.json()

    def test_it_refuses_to_delete_an_industry_that_has_children(self, api):
        chain = IndustryFactory()
        IndustryFactory(parent=chain)
        response = api.delete(self.detail_url(chain), **if_match(chain.version))
        assert response.status_code == 409
        assert "产业" in response.json()["detail"]
        assert Industry.objects.filter(pk=chain.pk).exists()

    def test_it_shows_the_parent_name(self, viewer_api):
        child = IndustryFactory(parent=IndustryFactory(name="医疗健康"))
        assert viewer_api.get(self.detail_url(child)).json()["parent_name"] == "医疗健康"
