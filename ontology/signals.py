"""How the write pipeline announces writes without knowing who listens.

Both are sent by ``ontology.pipeline`` inside the transaction of the write, after the store
changed: ``commit_created`` for a new commit (``history`` writes the audit outbox rows),
``head_moved`` whenever a branch head moves, by a commit or a reset (``branches`` dismisses
approvals that no longer describe the source). ``commit_intended`` records a write before it
reaches a store outside the database (see below). Refusing a write is not a signal's job:
the pipeline's guard step does it.
"""

from django.dispatch import Signal

# kwargs: branch, commit (CommitInfo), actor, changes (list of (before, after)), intent
commit_created = Signal()
# kwargs: branch, head (the new head commit id), actor
head_moved = Signal()
# Sent, committed, before a store write that cannot share the database transaction
# (TerminusDB): kwargs intent (uuid), branch, expected_head, actor, message, changes. The
# commit message carries "OMS-Intent: <uuid>", so a sweep can tell whether it happened.
commit_intended = Signal()
