"""TEST PEERS: servers that play other teams' services by their contracts in
docs/integrations.md (the User Service and the Audit Service), for OMS's tests only. Unit tests
run them in a thread; the end-to-end suite runs each as its own process
(``python -m tests.e2e.peers.user_service --port N``). They are not those services."""
