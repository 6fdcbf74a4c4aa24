"""Benchmarks of OMS against reference tools (``make bench`` runs ``storage.py``)."""
