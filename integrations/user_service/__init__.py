"""The User Service integration: identity (remote JWT or local), principals, scopes."""
