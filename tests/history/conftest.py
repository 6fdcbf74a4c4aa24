from tests.ontology.conftest import curator, dev  # noqa: F401
