"""The persisted index of every branch head (see ``maintain``, ``queries``, ``projection``)."""
