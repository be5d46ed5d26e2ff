from crm.models import Contact
from tests.api.base import ResourceTests, ids_in, if_match
from tests.factories import CompanyFactory, ContactFactory, TripFactory


def of_company():
    company = CompanyFactory()
    return {"company": company.pk}, ContactFactory(company=company), ContactFactory()


class TestContacts(ResourceTests):
    endpoint = "contacts"
    filters = {
        "company": of_company,
        "search": lambda: ({"search": "王传福"}, ContactFactory(name="王传福"), ContactFactory(name="李明")),
        "search:title": lambda: (
            {"search": "董事长"},
            ContactFactory(name="张三", title="董事长"),
            ContactFactory(name="李四", title="总经理"),
        ),
    }

    def create_payload(self):
        return {
            "company": CompanyFactory().pk,
            "name": "吴以岭",
            "name_en": "Wu Yiling",
            "title": "院士",
            "phone": "+86 755 0000 0000",
            "email": "wu@example.cn",
            "notes": "深圳湾实验室",
        }

    def patch_payload(self):
        return {"title": "董事长", "phone": "0519-8888 8888"}

    def test_it_shows_the_company_name_beside_its_id(self, viewer_api):
        contact = ContactFactory(company=CompanyFactory(name="瑞声科技"))
        row = viewer_api.get(self.list_url()).json()["results"][0]
        assert row["company"] == contact.company_id
        assert row["company_name"] == "瑞声科技"

    def test_it_finds_an_english_name_whatever_its_case(self, viewer_api):
        contact = ContactFactory(name="约翰", name_en="John SMITH")
        assert contact.pk in ids_in(viewer_api.get(self.list_url(), {"search": "smith"}))

    def test_it_refuses_to_delete_the_leader_of_a_delegation(self, api):
        leader = ContactFactory()
        TripFactory(leader=leader)
        response = api.delete(self.detail_url(leader), **if_match(leader.version))
        assert response.status_code == 409
        assert response.json()["detail"]
        assert Contact.objects.filter(pk=leader.pk).exists()
