"""Celery tasks of the ontology app."""

from __future__ import annotations

import logging

from celery import shared_task

from ontology.selectors import store_problems

logger = logging.getLogger("oms.storage")


@shared_task(name="ontology.store_verify")
def store_verify(alias: str = "default") -> int:
    """Run the store's and the index's checks (as ``storage_fsck`` does); log what they find."""
    problems = store_problems(alias)
    for problem in problems:
        logger.error("store %s: %s", alias, problem)
    logger.info("store %s verified: %d problem(s)", alias, len(problems))
    return len(problems)
