"""Real OWL ontologies, version after version (issue 16): three releases of a small vocabulary
(tests/ontology/owl/zoo-*.ttl) with a class gaining subclasses, a second namespace bringing a
class of a name already used, a deprecation, a move, a rename by new IRI, a removal, an inverse
pair and restrictions. Each upgrade is asserted change by change."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph

from ontology.bundles import bundle_export
from ontology.diff import diff_refs
from ontology.turtle import turtle_elements, turtle_export, turtle_import
from tests.ontology.conftest import head, persona
from tests.ontology.test_bundles import by_key, empty_branch

pytestmark = pytest.mark.django_db
OWL = Path(__file__).parent / "owl"
EDITOR = persona("editor")
ZOO = "https://example.org/zoo#"


def version(number: int) -> str:
    return (OWL / f"zoo-{number}.ttl").read_text()


def upgrade(branch: str, number: int) -> tuple[dict, set[tuple[str, str, str, str, str]], str]:
    """Import release ``number`` in replace mode: the report, the diff's records (type, kind,
    apiName, path without item ids, impact) and the version bump."""
    before = head(branch)
    report = turtle_import(branch=branch, text=version(number), actor=EDITOR, mode="replace")
    diff = diff_refs(base=before, head=head(branch))
    records = {(c.type, c.kind, c.api_name, c.path.split("[")[0], c.impact) for c in diff.changes}
    return report.as_dict(), records, diff.bump


@pytest.fixture
def zoo(dev) -> str:
    branch = empty_branch("zoo")
    upgrade(branch, 1)
    return branch


def test_the_first_release_maps_every_class_to_an_object_type(dev):
    branch = empty_branch("zoo")

    report, _, bump = upgrade(branch, 1)

    assert report["created"] == [
        "groups/Animal", "link-types/caredForBy", "link-types/livesIn", "object-types/Animal",
        "object-types/Bird", "object-types/Enclosure", "object-types/Keeper",
        "object-types/Mammal", "shared-properties/capacity",
    ]  # fmt: skip
    assert bump == "minor"
    elements = by_key(bundle_export(branch=branch))
    enclosure = {p["apiName"]: p for p in elements[("object-types", "Enclosure")]["properties"]}
    assert enclosure["capacity"]["required"] is True  # the minCardinality 1 restriction
    bird = elements[("object-types", "Bird")]
    assert [p["apiName"] for p in bird["properties"]] == ["identifier", "name", "wingspan"]
    assert bird["translations"] == {"de": {"displayName": "Vogel"}}
    assert elements[("object-types", "Keeper")]["aliases"] == ["Zookeeper"]
    # The pair is one link type, named after the member that declares it, both ends named.
    cared = elements[("link-types", "caredForBy")]
    assert cared["source"]["objectType"] == "Animal" and cared["target"]["objectType"] == "Keeper"
    assert cared["target"]["linkApiName"] == "caresFor"
    assert ("link-types", "caresFor") not in elements


def test_a_class_gaining_subclasses_and_a_second_namespace_are_additive(zoo):
    report, records, bump = upgrade(zoo, 2)

    assert (report["created"], report["updated"], report["deleted"]) == (
        ["groups/Enclosure", "groups/Mammal", "object-types/Aviary", "object-types/Elephant",
         "object-types/ExtKeeper"],
        ["object-types/Bird", "object-types/Keeper"],
        [],
    )  # fmt: skip
    assert records == {
        ("GroupAdded", "groups", "Enclosure", "$", "additive"),
        ("GroupAdded", "groups", "Mammal", "$", "additive"),
        ("ObjectTypeAdded", "object-types", "Aviary", "$", "additive"),
        ("ObjectTypeAdded", "object-types", "Elephant", "$", "additive"),
        ("ObjectTypeAdded", "object-types", "ExtKeeper", "$", "additive"),
        ("Deprecated", "object-types", "Bird", "$.status", "additive"),
        ("ProvenanceChanged", "object-types", "Bird", "$.origin", "safe"),
        ("ProvenanceChanged", "object-types", "Keeper", "$.origin", "safe"),
        ("ProvenanceChanged", "object-types", "Keeper", "$.translations", "safe"),
    }
    assert bump == "minor"
    elements = by_key(bundle_export(branch=zoo))
    # Mammal and Enclosure are unchanged: their new subclasses join groups of their names.
    assert elements[("object-types", "Mammal")]["origin"]["version"] == "1.0"
    assert elements[("object-types", "Elephant")]["groups"] == ["Animal", "Mammal"]
    assert elements[("object-types", "Keeper")]["origin"]["iri"] == f"{ZOO}Keeper"
    assert (
        elements[("object-types", "ExtKeeper")]["origin"]["iri"] == "https://example.org/ext#Keeper"
    )


def test_a_move_a_rename_by_new_iri_and_a_removal_are_reported_as_they_are(zoo):
    upgrade(zoo, 2)
    ext_keeper = by_key(bundle_export(branch=zoo))[("object-types", "ExtKeeper")]

    report, records, bump = upgrade(zoo, 3)

    assert (report["created"], report["updated"], report["deleted"]) == (
        ["link-types/sees", "object-types/Visit"],
        ["groups/Enclosure", "object-types/Bird", "object-types/Elephant",
         "object-types/Enclosure"],
        ["groups/Mammal", "link-types/caredForBy", "object-types/Keeper"],
    )  # fmt: skip
    assert records == {
        ("GroupRemoved", "groups", "Mammal", "$", "breaking"),
        ("LinkTypeRemoved", "link-types", "caredForBy", "$", "breaking"),
        ("ObjectTypeRemoved", "object-types", "Keeper", "$", "breaking"),
        ("ObjectTypeAdded", "object-types", "Visit", "$", "additive"),
        ("LinkTypeAdded", "link-types", "sees", "$", "additive"),
        ("GroupUnassigned", "object-types", "Elephant", "$.groups", "safe"),
        ("PropertyAdded", "object-types", "Bird", "$.properties", "additive"),
        ("Deprecated", "object-types", "Bird", "$.properties", "additive"),
        ("DisplayMetadataChanged", "groups", "Enclosure", "$.displayName", "safe"),
        ("DisplayMetadataChanged", "object-types", "Enclosure", "$.displayName", "safe"),
        ("DisplayMetadataChanged", "object-types", "Enclosure", "$.pluralDisplayName", "safe"),
        ("ProvenanceChanged", "groups", "Enclosure", "$.origin", "safe"),
        ("ProvenanceChanged", "object-types", "Bird", "$.origin", "safe"),
        ("ProvenanceChanged", "object-types", "Elephant", "$.origin", "safe"),
        ("ProvenanceChanged", "object-types", "Enclosure", "$.origin", "safe"),
    }
    assert bump == "major"
    elements = by_key(bundle_export(branch=zoo))
    assert elements[("object-types", "ExtKeeper")] == ext_keeper  # named and kept as it was
    visit = elements[("link-types", "sees")]  # from the restriction on Visit
    assert (visit["source"]["objectType"], visit["target"]["objectType"]) == ("Visit", "Animal")
    assert [f["reason"] for f in report["unmapped"]] == [
        "The ontology header is not kept beyond its IRI and version.",
        "dcterms:isReplacedBy is not mapped.",
    ]


def test_a_fresh_import_names_a_home_class_bare_and_a_foreign_one_qualified():
    names = {e["apiName"]: e["origin"]["iri"] for e in turtle_elements(version(2)).elements
             if e["kind"] == "object-types"}  # fmt: skip

    assert names["Keeper"] == f"{ZOO}Keeper"
    assert names["ExtKeeper"] == "https://example.org/ext#Keeper"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_triples_map_to_exactly_the_same_result(seed):
    lines = Graph().parse(data=version(3), format="turtle").serialize(format="nt").splitlines()
    random.Random(seed).shuffle(lines)

    shuffled, ordered = turtle_elements("\n".join(lines)), turtle_elements(version(3))

    strip = lambda mapped: [{k: v for k, v in e.items() if k != "_iri"} for e in mapped.elements]  # noqa: E731
    assert strip(shuffled) == strip(ordered)
    assert shuffled.warnings == ordered.warnings and shuffled.unmapped == ordered.unmapped


@pytest.mark.parametrize("first", ["aHasKeeper", "zHasKeeper"])
def test_an_inverse_pair_maps_once_whichever_member_sorts_first(first):
    text = f"""
    @prefix : <https://example.org/p#> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    :Animal a owl:Class . :Keeper a owl:Class .
    :{first} owl:inverseOf :caresFor .
    :caresFor a owl:ObjectProperty ; rdfs:domain :Keeper ; rdfs:range :Animal .
    """
    mapped = turtle_elements(text)

    (link,) = [e for e in mapped.elements if e["kind"] == "link-types"]
    assert {link["source"]["linkApiName"], link["target"]["linkApiName"]} == {first, "caresFor"}
    assert not mapped.unmapped


def test_the_turtle_export_imports_back_without_a_change(zoo):
    upgrade(zoo, 2)
    before = head(zoo)

    for mode in ("merge", "replace"):
        report = turtle_import(branch=zoo, text=turtle_export(branch=zoo), actor=EDITOR,
                               mode=mode)  # fmt: skip
        assert report.commit is None and not report.created and not report.deleted
    assert head(zoo) == before
    copy = empty_branch("copy")
    turtle_import(branch=copy, text=turtle_export(branch=zoo), actor=EDITOR)
    assert bundle_export(branch=copy)["elements"] == bundle_export(branch=zoo)["elements"]
