"""The example ontology: a small logistics domain that ``make run`` loads into an empty store."""

from __future__ import annotations

import json
from pathlib import Path

from integrations.user_service.principal import SYSTEM
from ontology import selectors
from ontology.bundles import ImportReport, bundle_import

LOGISTICS = Path(__file__).resolve().parent / "logistics.json"


def example_ontology_load(*, branch: str = "main") -> ImportReport | None:
    """Load the logistics example into ``branch`` as the system, only if it has no elements."""
    if selectors.catalog_at(branch=branch).by_id:
        return None
    return bundle_import(
        branch=branch,
        bundle=json.loads(LOGISTICS.read_text(encoding="utf-8")),
        actor=SYSTEM,
        message="Load the example logistics ontology",
    )
