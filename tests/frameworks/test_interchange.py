"""Import and export, CSV and CASE 1.0: round trips, and bad files that write nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest

from carnet.frameworks.interchange import (
    CSV_COLUMNS,
    MAX_BYTES,
    ImportFailed,
    import_framework,
    write_case,
    write_csv,
)
from carnet.frameworks.models import Competency, Framework, framework_data

pytestmark = pytest.mark.django_db


def failure(content: bytes) -> ImportFailed:
    count = Framework.objects.count(), Competency.objects.count()
    with pytest.raises(ImportFailed) as caught:
        import_framework(content=content)
    assert (Framework.objects.count(), Competency.objects.count()) == count, "nothing is written"
    for problem in caught.value.problems:
        assert problem.message_fr and problem.message_en
    return caught.value


def csv_bytes(rows: list[dict[str, str]], columns=CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def exported_rows(framework) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(write_csv(framework).removeprefix("\ufeff"))))


def test_csv_round_trip_gives_the_same_framework(draft):
    content = write_csv(draft).encode()
    before = framework_data(draft)
    draft.delete()
    imported = import_framework(content=content)
    assert imported.status == Framework.Status.DRAFT
    assert framework_data(imported) == before


def test_csv_round_trip_of_the_default_framework(default_framework):
    content = write_csv(default_framework).encode()
    before = framework_data(default_framework)
    default_framework.delete()
    assert framework_data(import_framework(content=content)) == before


def test_case_round_trip_keeps_everything_and_the_identifiers(draft):
    content = json.dumps(write_case(draft)).encode()
    before = framework_data(draft, with_uuids=True)
    draft.delete()
    assert framework_data(import_framework(content=content), with_uuids=True) == before


def test_case_round_trip_of_the_default_framework(default_framework):
    content = json.dumps(write_case(default_framework)).encode()
    before = framework_data(default_framework, with_uuids=True)
    default_framework.delete()
    assert framework_data(import_framework(content=content), with_uuids=True) == before


def test_case_package_has_documents_items_and_associations(default_framework):
    package = write_case(default_framework)
    assert package["CFDocument"]["identifier"] == str(default_framework.uuid)
    assert package["CFDocument"]["adoptionStatus"] == "Adopted"
    types = [item["CFItemType"] for item in package["CFItems"]]
    assert types.count("Competency") == default_framework.competencies.count()
    assert types.count("Level") == 4 * types.count("Competency")
    kinds = {a["associationType"] for a in package["CFAssociations"]}
    assert kinds == {"isChildOf", "isRelatedTo"}
    ids = [a["identifier"] for a in package["CFAssociations"]]
    assert len(set(ids)) == len(ids)
    assert write_case(default_framework) == package, "identifiers are stable"


def test_a_bom_is_tolerated_and_french_row_types_are_accepted(draft):
    rows = exported_rows(draft)
    for row in rows:
        row["framework_version"] = "2.0"
        row["row_type"] = {"indicator": "indicateur", "level": "niveau"}.get(row["row_type"], row["row_type"])
    imported = import_framework(content=b"\xef\xbb\xbf" + csv_bytes(rows))
    assert imported.version == "2.0"
    assert imported.competencies.get(code="T-1").levels.count() == 2


def test_importing_the_same_version_again_is_refused(draft):
    problems = failure(write_csv(draft).encode()).problems
    assert any("existe déjà" in p.message_fr for p in problems)
    problems = failure(json.dumps(write_case(draft)).encode()).problems
    assert any("already" in p.message_en for p in problems)


def test_wrong_columns_are_reported_on_line_one(draft):
    rows = exported_rows(draft)
    columns = [c for c in CSV_COLUMNS if c != "competency_name_fr"] + ["colour"]
    for row in rows:
        row.pop("competency_name_fr")
        row["colour"] = "blue"
    problems = failure(csv_bytes(rows, columns)).problems
    assert [p.where for p in problems] == [1, 1]
    assert "competency_name_fr" in problems[0].message_fr
    assert "colour" in problems[1].message_en


def test_duplicate_codes_missing_french_name_and_bad_ranks_are_reported_by_line(draft):
    draft.delete()
    rows = [
        {**row_base(), "competency_code": "A", "row_type": "level", "level_rank": "1", "level_name_fr": "Un"},
        {
            **row_base(),
            "competency_code": "A",
            "row_type": "level",
            "level_rank": "3",
            "level_name_fr": "Trois",
        },
        {**row_base(), "competency_code": "B", "competency_name_fr": "", "row_type": "competency"},
        {**row_base(), "competency_code": "C", "row_type": "indicator", "text_fr": ""},
        {**row_base(), "competency_code": "D", "row_type": "level", "level_rank": "x", "level_name_fr": "X"},
        {**row_base(), "competency_code": "E", "row_type": "oops"},
    ]
    problems = failure(csv_bytes(rows)).problems
    assert [p.where for p in problems] == [7]  # the row type is checked while reading
    rows.pop()
    problems = failure(csv_bytes(rows)).problems
    by_line = {p.where: p for p in problems}
    assert "1 à 2" in by_line[2].message_fr  # ranks 1 and 3 of A, reported at its first line
    assert "nom français" in by_line[4].message_fr
    assert "French text" in by_line[5].message_en
    assert "whole number" in by_line[6].message_en


def test_duplicate_codes_in_case_are_reported_by_path(draft):
    package = write_case(draft)
    draft.delete()
    second = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == "T-2")
    second["humanCodingScheme"] = "T-1"
    problems = failure(json.dumps(package).encode()).problems
    assert [p.where for p in problems] == [f"CFItems[{package['CFItems'].index(second)}]"]
    assert "T-1" in problems[0].message_fr


def test_inconsistent_framework_columns_are_reported(draft):
    rows = exported_rows(draft)
    rows[1]["framework_name_fr"] = "Autre nom"
    problems = failure(csv_bytes(rows)).problems
    assert problems[0].where == 3


def test_a_missing_french_name_in_case_is_reported(draft):
    package = write_case(draft)
    draft.delete()
    package["CFDocument"]["title"] = ""
    package["CFDocument"]["extensions"]["carnet"]["slug"] = "essai"
    problems = failure(json.dumps(package).encode()).problems
    assert problems[0].where == "CFDocument"


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"{}",
        b'{"CFDocument": [], "CFItems": 3}',
        b'{"CFDocument": {}, "CFItems": 3}',
        b'{"CFDocument": {"title": "x"}, "CFItems": [1, {"identifier": []}], "CFAssociations": [2, {"associationType": "isChildOf"}]}',
        b'{"CFDocument": {"identifier": "x", "title": "T"}, "CFItems": [{"identifier": "a", "fullStatement": "A"}], "CFAssociations": [{"associationType": "isChildOf", "originNodeURI": {"identifier": "a"}, "destinationNodeURI": {"identifier": "x"}}]}',
        b"[" * 100_000,
        b"",
        b"\xff\xfe\x00garbage",
        b"framework_slug\n" + b'"' + b"a" * 200_000 + b'"\n',
        b"a,b\n1,2\n",
        ",".join(CSV_COLUMNS).encode() + b"\n",
        ",".join(CSV_COLUMNS).encode() + b"\n1,2,3\n",
    ],
)
def test_hostile_input_only_ever_raises_import_failed(db, content):
    failure(content)


def test_a_huge_file_is_refused_before_reading(db):
    problems = failure(b"a" * (MAX_BYTES + 1)).problems
    assert "2 Mo" in problems[0].message_fr


def row_base() -> dict[str, str]:
    return {
        "framework_slug": "nouveau",
        "framework_version": "1.0",
        "framework_name_fr": "Nouveau",
        "competency_name_fr": "Nom",
    }
