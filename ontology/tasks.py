"""Celery tasks of the ontology app."""

from __future__ import annotations

import logging

from celery import shared_task

from ontology.storage import get_store

logger = logging.getLogger("oms.storage")


@shared_task(name="ontology.store_verify")
def store_verify(alias: str = "default") -> int:
    """Run the store's integrity check (as ``storage_fsck`` does) and log what it finds."""
    problems = get_store(alias).verify()
    for problem in problems:
        logger.error("store %s: %s", alias, problem)
    logger.info("store %s verified: %d problem(s)", alias, len(problems))
    return len(problems)
