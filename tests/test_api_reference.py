"""docs/api.md is the API reference in the repository: it must list every operation of the OpenAPI
document, and its generated part must be what `jingfang api_reference` makes of the document now."""

import re

import pytest
from django.core.management import CommandError, call_command

from jingfang.core import api_reference


@pytest.fixture(scope="module")
def doc():
    return api_reference.schema()


def test_every_path_and_method_of_the_openapi_document_is_in_docs_api_md(doc):
    text = api_reference.DOC_PATH.read_text(encoding="utf-8")
    listed = set(re.findall(r"^#### `([A-Z]+) (\S+)`$", text, flags=re.M))
    missing = [f"{method} {path}" for _, method, path, _ in api_reference.operations(doc)
               if (method, path) not in listed]
    assert not missing, f"docs/api.md 缺少这些接口（运行 jingfang api_reference）：{missing}"
    gone = sorted(f"{m} {p}" for m, p in listed
                  if (m, p) not in {(m2, p2) for _, m2, p2, _ in api_reference.operations(doc)})
    assert not gone, f"docs/api.md 列出了已不存在的接口：{gone}"


def test_the_generated_part_is_current(doc):
    text = api_reference.DOC_PATH.read_text(encoding="utf-8")
    assert api_reference.current(text, doc), "docs/api.md 与OpenAPI文档不一致：请运行 jingfang api_reference"


def test_the_hand_written_contract_covers_auth_errors_and_paging():
    text = api_reference.DOC_PATH.read_text(encoding="utf-8")
    for words in ["Authorization: Bearer", "ApiError", "page_size", "current_version", "404, exactly like"]:
        assert words in text, words


def test_check_fails_on_a_stale_file_and_the_command_repairs_it(tmp_path, doc):
    stale = tmp_path / "api.md"
    stale.write_text(f"# API\n\n{api_reference.BEGIN}\n\n#### `GET /api/v1/gone`\n{api_reference.END}\n",
                     encoding="utf-8")
    with pytest.raises(CommandError, match="不一致"):
        call_command("api_reference", "--check", "--path", str(stale))
    call_command("api_reference", "--path", str(stale))
    repaired = stale.read_text(encoding="utf-8")
    assert "/api/v1/gone" not in repaired and "#### `GET /api/v1/patients`" in repaired
    assert repaired.startswith("# API\n")
    call_command("api_reference", "--check", "--path", str(stale))


def test_a_file_without_markers_is_refused_with_a_clear_message(tmp_path):
    plain = tmp_path / "api.md"
    plain.write_text("# API\n", encoding="utf-8")
    with pytest.raises(CommandError, match="生成区标记"):
        call_command("api_reference", "--path", str(plain))


def test_types_are_rendered_in_a_few_words():
    assert api_reference.type_of({"type": "string", "format": "date"}) == "string (date)"
    assert api_reference.type_of({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == "integer | null"
    assert api_reference.type_of({"type": "array", "items": {"$ref": "#/components/schemas/X"}}) == "array of [X](#x)"
    assert api_reference.type_of({"enum": ["", "a"]}) == '`""` | `a`'
