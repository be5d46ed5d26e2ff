"""Chinese first, English complete: the catalog, the committed .mo, and the language switch.

The code's messages are Chinese; ``crm/locale/en/LC_MESSAGES/django.po`` translates them into
English and the compiled ``django.mo`` is committed, so nothing needs gettext at run time.
These tests need no gettext tools either: the .po is read here and compared with the .mo as
Python's own ``gettext`` loads it.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from crm.models.choices import Language

LOCALE = Path(settings.BASE_DIR) / "crm" / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u4e00-\u9fff]")


def read_po(path: Path) -> dict:
    """{msgid: msgstr} and {(msgid, msgid_plural): [msgstr[0], msgstr[1]]}, from a .po file."""
    entries, entry, key = {}, {}, None

    def flush():
        if "msgid" in entry:
            if "msgid_plural" in entry:
                forms = [entry[k] for k in sorted(k for k in entry if k.startswith("msgstr["))]
                entries[(entry["msgid"], entry["msgid_plural"])] = forms
            else:
                entries[entry["msgid"]] = entry.get("msgstr", "")

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            entry, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    entries.pop("", None)
    return entries


@pytest.fixture(scope="module")
def catalog():
    return read_po(LOCALE / "django.po")


def test_every_message_has_an_english_translation(catalog):
    untranslated = [msgid for msgid, msgstr in catalog.items() if not msgstr or not all(msgstr)]
    assert not untranslated, f"fill in the English of: {untranslated}"


def test_english_translations_leave_no_chinese_behind(catalog):
    kept = {"简体中文"}  # a language's name in its own language
    # What a file may contain, quoted (“是”, “20亿”), is the only Chinese left in an English message.
    chinese = [
        msgid
        for msgid, msgstr in catalog.items()
        if msgid not in kept and any(CJK.search(re.sub("“[^”]*”", "", form)) for form in _forms(msgstr))
    ]
    assert not chinese, chinese


def _forms(msgstr):
    return msgstr if isinstance(msgstr, list) else [msgstr]


def test_the_committed_mo_file_is_compiled_from_the_po_file(catalog):
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, tuple):
            singular, plural = msgid
            if [compiled.ngettext(singular, plural, 1), compiled.ngettext(singular, plural, 2)] != msgstr:
                stale.append(singular)
        elif compiled.gettext(msgid) != msgstr:
            stale.append(msgid)
    assert not stale, f"compile the catalog (manage.py compilemessages); stale: {stale[:5]}"
    assert len(compiled._catalog) - 1 == sum(2 if isinstance(k, tuple) else 1 for k in catalog)


def _labels():
    """Every Chinese label of the CRM's models, fields and choices, and of its admin."""
    from django.apps import apps

    for model in apps.get_app_config("crm").get_models():
        if model.__name__.startswith("Historical"):
            continue
        yield model._meta.verbose_name
        yield model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name") and not field.auto_created:
                yield field.verbose_name
            if getattr(field, "choices", None) and field.choices != Language.choices:
                for _value, label in field.flatchoices:
                    yield label
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "crm":
            continue
        for name, _options in model_admin.fieldsets or []:
            if name:
                yield name
        for name in [*model_admin.list_display, *(model_admin.actions or [])]:
            attribute = getattr(model_admin, name, None) if isinstance(name, str) else name
            if hasattr(attribute, "short_description"):
                yield attribute.short_description
        for list_filter in model_admin.list_filter:
            if hasattr(list_filter, "title"):
                yield list_filter.title


def test_every_model_field_choice_and_admin_label_reads_in_english():
    missing = set()
    for label in _labels():
        with translation.override("en"):
            english = str(label)
        if CJK.search(english):
            missing.add(english)
    assert not missing, f"no English for: {sorted(missing)}"


@pytest.mark.django_db
def test_the_admin_speaks_chinese_by_default_and_english_after_switching(manager_client):
    changelist = reverse("admin:crm_company_changelist")
    assert "选择 合作方 来修改" in manager_client.get(changelist).content.decode()

    response = manager_client.post(reverse("set_language"), {"language": "en", "next": changelist})
    assert response.status_code == 302 and response.url == changelist
    page = manager_client.get(changelist).content.decode()
    assert "Select Partner to change" in page
    assert 'lang="en"' in page
    index = manager_client.get(reverse("admin:index")).content.decode()
    assert "Projects by stage" in index and "Investment Promotion CRM" in index


@pytest.mark.django_db
def test_the_language_switcher_is_on_every_admin_page_and_the_login_page(client, manager_client):
    for page in (client.get(reverse("admin:login")), manager_client.get(reverse("admin:crm_project_changelist"))):
        html = page.content.decode()
        assert 'id="language-switcher"' in html
        assert 'value="en"' in html and 'value="zh-hans"' in html
