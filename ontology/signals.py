"""How the ontology app announces writes without knowing who listens.

``commit_requested`` is sent before a write; a receiver may refuse it by raising an
``OMSError`` (``branches`` enforces branch protection this way). ``commit_created`` is sent
inside the transaction of the write, after the store commit (``history`` writes the audit
outbox row in that same transaction). ``commit_intended`` records a write before it reaches
a store outside the database (see below).
"""

from django.dispatch import Signal

# kwargs: branch, actor, operations
commit_requested = Signal()
# kwargs: branch, commit (CommitInfo), actor, changes (list of (before, after)), intent
commit_created = Signal()
# Sent, committed, before a store write that cannot share the database transaction
# (TerminusDB): kwargs intent (uuid), branch, expected_head, actor, message, changes. The
# commit message carries "OMS-Intent: <uuid>", so a sweep can tell whether it happened.
commit_intended = Signal()
