"""Every report in both languages: the same figures, its words in the language asked for.

The figures are counted by the database whatever the language; only the labels (stages, months,
kinds, the names of the groups without a key) are translated, by the catalog (zh-hans first,
English second)."""

import pytest

from tests.stats.conftest import API

pytestmark = pytest.mark.django_db

# Keys whose values are words; everything else is a figure, a date or an id.
WORDS = {"label", "stage_display", "kind_display", "status_display"}


def in_language(client, path: str, language: str) -> dict:
    response = client.get(API + path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    assert response["Content-Language"] == language
    return response.json()


def split(value, words: list, path: str = ""):
    """``value`` with its words taken out (into ``words``, with where they were)."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if key in WORDS:
                words.append((f"{path}.{key}", item))
            else:
                kept[key] = split(item, words, f"{path}.{key}")
        return kept
    if isinstance(value, list):
        return [split(item, words, f"{path}[{n}]") for n, item in enumerate(value)]
    return value


@pytest.mark.parametrize(
    "path",
    [
        "stats/signed/?group_by=month&signed_on__gte=2024-01-01&signed_on__lte=2024-12-31",
        "stats/signed/?group_by=quarter",
        "stats/signed/?group_by=top_industry",
        "stats/signed/?group_by=location",
        "stats/signed/?group_by=owner",
        "stats/signed/?group_by=meeting",
        "stats/pipeline/?stalled_days=30",
        "stats/kpis/?year=2024",
        "stats/events/{conf2}/",
    ],
)
def test_a_report_has_the_same_figures_in_both_languages_and_its_words_in_each(api, world, path):
    path = path.format(conf2=world.conf2.pk)
    chinese_words, english_words = [], []
    chinese = split(in_language(api, path, "zh-hans"), chinese_words)
    english = split(in_language(api, path, "en"), english_words)
    assert chinese == english
    assert [where for where, _word in chinese_words] == [where for where, _word in english_words]
    translated = [
        (zh, en) for (_where, zh), (_where2, en) in zip(chinese_words, english_words, strict=True) if zh != en
    ]
    if chinese_words:
        assert translated, "no word of the report was translated"
    for zh, en in translated:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), (zh, en)


def test_the_pipeline_names_its_stages_in_the_language_asked_for(api, world):
    labels = {row["stage"]: row["label"] for row in in_language(api, "stats/pipeline/", "en")["stages"]}
    assert labels["negotiating"] == "Negotiation"
    labels = {row["stage"]: row["label"] for row in in_language(api, "stats/pipeline/", "zh-hans")["stages"]}
    assert labels["negotiating"] == "洽谈"
