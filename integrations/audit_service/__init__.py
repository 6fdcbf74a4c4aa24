"""The Audit Service integration: delivering CloudEvents batches."""
