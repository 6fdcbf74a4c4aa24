"""How the ontology app announces writes without knowing who listens.

``commit_requested`` is sent before a write; a receiver may refuse it by raising an
``OMSError`` (``branches`` enforces branch protection this way). ``commit_created`` is sent
inside the transaction of the write, after the store commit (``history`` writes the audit
outbox row in that same transaction).
"""

from django.dispatch import Signal

# kwargs: branch, actor, operations
commit_requested = Signal()
# kwargs: branch, commit (CommitInfo), actor, changes (list of (before, after)), request_meta
commit_created = Signal()
