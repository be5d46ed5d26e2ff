import itertools

from crm.models import Company
from tests.api.base import ResourceTests, ids_in, if_match
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    UserFactory,
    make_credit_code,
)

_seeds = itertools.count(1000)


def fresh_credit_code() -> str:
    return make_credit_code(next(_seeds))


def in_industry():
    chain = IndustryFactory(name="新能源")
    battery = IndustryFactory(name="动力电池", parent=chain)
    wanted, unwanted = CompanyFactory(), CompanyFactory()
    wanted.industries.set([battery])
    unwanted.industries.set([IndustryFactory()])
    # A company of a sub-industry belongs to the chain too.
    return {"industry": chain.pk}, wanted, unwanted


def owned_by():
    owner = UserFactory(role="editor")
    return {"owner": owner.pk}, CompanyFactory(owner=owner), CompanyFactory(owner=UserFactory(role="editor"))


def with_parent():
    group = CompanyFactory(name="瑞声科技控股")
    return {"parent": group.pk}, CompanyFactory(parent=group), CompanyFactory(parent=CompanyFactory())


class TestCompanies(ResourceTests):
    endpoint = "companies"
    labels = {"kind": ("government", "政府部门")}
    filters = {
        "kind": lambda: ({"kind": "government"}, CompanyFactory(kind="government"), CompanyFactory(kind="enterprise")),
        "industry": in_industry,
        "city": lambda: ({"city": "常州"}, CompanyFactory(city="常州"), CompanyFactory(city="深圳")),
        "owner": owned_by,
        "is_local_origin": lambda: (
            {"is_local_origin": "true"},
            CompanyFactory(is_local_origin=True),
            CompanyFactory(is_local_origin=False),
        ),
        "is_local_origin:false": lambda: (
            {"is_local_origin": "false"},
            CompanyFactory(is_local_origin=False),
            CompanyFactory(is_local_origin=True),
        ),
        "parent": with_parent,
        "search": lambda: ({"search": "瑞声"}, CompanyFactory(name="瑞声科技"), CompanyFactory(name="华润集团")),
    }

    def create_payload(self):
        return {
            "name": "深圳乐荟中心产业园运营有限公司",
            "short_name": "乐荟",
            "name_en": "Lehui Center Industrial Park",
            "kind": "park_operator",
            "credit_code": fresh_credit_code(),
            "parent": CompanyFactory().pk,
            "industries": [IndustryFactory().pk, IndustryFactory().pk],
            "city": "深圳",
            "province": "广东",
            "country": "CN",
            "fortune500_rank": 72,
            "is_listed": True,
            "is_local_origin": False,
            "website": "https://example.cn/",
            "description": "产业园运营",
            "owner": UserFactory(role="editor").pk,
            "tags": ["产业园", "深圳"],
        }

    def patch_payload(self):
        return {"name": "华润集团", "city": "香港"}

    # Search --------------------------------------------------------------------------------

    def test_it_finds_a_full_width_name_with_a_lower_case_search(self, viewer_api):
        wanted = CompanyFactory(name="ＡＢＣ Robotics", name_en="")
        unwanted = CompanyFactory(name="XYZ Logistics", name_en="")
        found = ids_in(viewer_api.get(self.list_url(), {"search": "abc"}))
        assert wanted.pk in found and unwanted.pk not in found

    def test_it_finds_a_name_with_a_full_width_upper_case_search(self, viewer_api):
        wanted = CompanyFactory(name="abc robotics", name_en="")
        assert wanted.pk in ids_in(viewer_api.get(self.list_url(), {"search": "ＡＢＣ"}))

    def test_it_finds_chinese_names_and_english_names(self, viewer_api):
        company = CompanyFactory(name="深圳湾实验室", name_en="Shenzhen Bay Laboratory", short_name="湾实验室")
        other = CompanyFactory(name="华润集团", name_en="China Resources")
        for term in ("深圳湾", "湾实验室", "bay lab", "SHENZHEN"):
            found = ids_in(viewer_api.get(self.list_url(), {"search": term}))
            assert company.pk in found and other.pk not in found, term

    # Credit codes --------------------------------------------------------------------------

    def test_it_stores_a_credit_code_pasted_with_spaces_and_lower_case(self, editor_api):
        code = fresh_credit_code()
        pasted = f" {code[:6]} {code[6:]} ".lower()
        response = editor_api.post(self.list_url(), {"name": "某公司", "credit_code": pasted}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["credit_code"] == code

    def test_it_lets_a_company_keep_its_own_credit_code(self, editor_api):
        company = CompanyFactory(credit_code=fresh_credit_code())
        response = editor_api.patch(
            self.detail_url(company), {"credit_code": company.credit_code, "city": "无锡"}, **if_match(1)
        )
        assert response.status_code == 200, response.content

    def test_it_allows_many_companies_without_a_credit_code(self, editor_api):
        for name in ("Bosch", "Siemens"):
            response = editor_api.post(self.list_url(), {"name": name, "credit_code": ""}, format="json")
            assert response.status_code == 201, response.content
        assert Company.objects.filter(credit_code="").count() == 2

    # Hierarchy and references --------------------------------------------------------------

    def test_it_refuses_to_make_a_group_its_own_subsidiary(self, editor_api):
        group = CompanyFactory()
        subsidiary = CompanyFactory(parent=group)
        response = editor_api.patch(self.detail_url(group), {"parent": subsidiary.pk}, **if_match(1))
        assert response.status_code == 400
        assert "parent" in response.json()

    def test_it_refuses_to_delete_a_company_that_still_has_contacts(self, api):
        company = CompanyFactory()
        ContactFactory(company=company)
        response = api.delete(self.detail_url(company), **if_match(company.version))
        assert response.status_code == 409
        assert "联系人" in response.json()["detail"]
        assert Company.objects.filter(pk=company.pk).exists()

    def test_it_keeps_tags_as_a_list_of_strings(self, editor_api):
        response = editor_api.post(self.list_url(), {"name": "瑞声科技", "tags": ["上市", "常州走出去"]}, format="json")
        assert response.json()["tags"] == ["上市", "常州走出去"]

    def test_it_writes_the_country_in_upper_case(self, editor_api):
        response = editor_api.post(self.list_url(), {"name": "Bosch", "country": "de"}, format="json")
        assert response.json()["country"] == "DE"
