"""The orjson renderer writes what DRF's JSON renderer writes (crm/api/renderers.py)."""

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from crm.api.renderers import JSONRenderer
from crm.models.choices import ProjectStage

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def both(data, media_type="application/json"):
    return JSONRenderer().render(data, media_type, {}), DRFJSONRenderer().render(data, media_type, {})


def test_every_kind_of_value_comes_out_as_drf_writes_it():
    data = {
        "text": '常州·深圳 “招商” \\ "quoted" \n\t',
        "int": 2**62,
        "float": 1.5,
        "bool": [True, False, None],
        "decimal": Decimal("1000000.07"),
        "lazy": gettext_lazy("已签约"),
        "choice": ProjectStage.SIGNED,
        "date": dt.date(2024, 10, 22),
        "aware": dt.datetime(2024, 10, 22, 9, 30, 0, 123456, tzinfo=SHANGHAI),
        "utc": dt.datetime(2024, 10, 22, 1, 30, tzinfo=dt.UTC),
        "time": dt.time(9, 30),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "tuple": (1, 2),
        "nested": {"a": [{"b": {}}]},
        1: "an integer key",
        "now": timezone.now(),
    }
    ours, drf = both(data)
    assert json.loads(ours) == json.loads(drf)


def test_compact_as_drfs():
    ours, drf = both({"a": [1, {"b": None}], "c": "d"})
    assert ours == drf == b'{"a":[1,{"b":null}],"c":"d"}'


def test_line_and_paragraph_separators_are_escaped_as_drf_does():
    ours, drf = both({"text": "a\u2028b\u2029c"})
    assert ours == drf == b'{"text":"a\\u2028b\\u2029c"}'


def test_what_orjson_refuses_as_a_whole_is_written_by_drf():
    big = {"n": 2**70}
    ours, drf = both(big)
    assert ours == drf
    deep = current = []
    for _ in range(300):
        current.append([])
        current = current[0]
    ours, drf = both(deep)
    assert ours == drf


def test_an_indented_answer_is_drfs():
    ours, drf = both({"a": [1, 2]}, "application/json; indent=4")
    assert ours == drf and b"\n    " in ours


def test_nothing_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_with_it(api):
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"id":')
