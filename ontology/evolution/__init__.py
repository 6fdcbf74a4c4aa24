"""Ontology migrations: versioned Python files of operations, applied to a branch one commit
each through the write pipeline and recorded in a per-branch ledger (docs/migrations.md)."""
