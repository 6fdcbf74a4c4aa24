from django.apps import AppConfig


class OntologyConfig(AppConfig):
    """The element model, its validation and the versioned store."""

    name = "ontology"
