"""Consecutive released versions of one realistic OWL ontology, in Turtle, for benchmarks and tests.

Importing version after version of a public-style vocabulary is what an ontology service does
most; ``versions()`` returns versions 1 .. n of ``<https://example.org/onto/core>``: a class
hierarchy 4-6 levels deep under five roots, mostly in ``ex:`` and about 5 % in ``ext:``; labels
and definitions in English and, for a share that grows with each version, German, French,
Spanish and Italian; datatype and object properties (functional ones, inverse pairs),
restrictions, equivalent classes, annotations and named individuals. Each version adds classes
(some under former leaves), moves, deprecates, removes and renames some (the old IRI stays,
deprecated, ``dcterms:isReplacedBy`` the new one) and adds ``ext:`` classes named like ``ex:``
ones; ``changes()`` lists those, for assertions. The output depends only on the arguments and is
written as text, not through rdflib, to be fast. ``python bench/owl_versions.py`` prints a summary.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

ONTO, EXT = "https://example.org/onto/core", "https://example.org/onto/ext"
HEADER = """@prefix ex: <https://example.org/onto/core#> .
@prefix ext: <https://example.org/onto/ext#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<https://example.org/onto/core> a owl:Ontology ;
    owl:versionIRI <https://example.org/onto/core/{v}.0> ;
    owl:versionInfo "{v}.0" ;{prior}
    rdfs:label "Core ontology"@en ;
    dcterms:creator "Example Standards Working Group" ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:modified "{date}"^^xsd:date .
"""
ANNOTATIONS = """skos:definition skos:altLabel skos:scopeNote skos:example skos:historyNote
skos:notation dcterms:source dcterms:isReplacedBy"""
LANGS = ("en", "de", "fr", "es", "it")
# Shares of terms with texts in de/fr (at version 1, and gained by the last) and in es/it (by
# the last): tuned for about 22k triples at 900 classes and 62k at 1900.
DE_FR, ES_IT = (0.35, 0.45), 0.4
MAX_DEPTH = 5  # roots have depth 0: six levels at most
# Words: English, German, French, Spanish, Italian; rows separated by ";".
MODIFIERS = """Commercial Gewerblich Commercial Comercial Commerciale; Public Öffentlich Public
Público Pubblico; Private Privat Privé Privado Privato; Secured Besichert Garanti Garantizado
Garantito; Regulated Reguliert Réglementé Regulado Regolamentato; Digital Digital Numérique
Digital Digitale; Domestic Inländisch National Nacional Nazionale; Foreign Ausländisch Étranger
Extranjero Estero; Primary Primär Primaire Primario Primario; Composite Zusammengesetzt
Composite Compuesto Composito; Temporary Befristet Temporaire Temporal Temporaneo; Certified
Zertifiziert Certifié Certificado Certificato; Shared Geteilt Partagé Compartido Condiviso;
Legal Rechtlich Juridique Jurídico Giuridico; Financial Finanziell Financier Financiero
Finanziario; Industrial Industriell Industriel Industrial Industriale; Mobile Mobil Mobile
Móvil Mobile; Annual Jährlich Annuel Anual Annuale; Derived Abgeleitet Dérivé Derivado
Derivato; Physical Physisch Physique Físico Fisico; Virtual Virtuell Virtuel Virtual Virtuale;
Local Lokal Local Local Locale; Joint Gemeinsam Conjoint Conjunto Congiunto"""
NOUNS = """Agreement Vereinbarung Accord Acuerdo Accordo; Loan Darlehen Prêt Préstamo Prestito;
Account Konto Compte Cuenta Conto; Facility Einrichtung Installation Instalación Struttura;
Vehicle Fahrzeug Véhicule Vehículo Veicolo; Shipment Sendung Expédition Envío Spedizione;
Contract Vertrag Contrat Contrato Contratto; Payment Zahlung Paiement Pago Pagamento; Invoice
Rechnung Facture Factura Fattura; Product Produkt Produit Producto Prodotto; Service Dienst
Service Servicio Servizio; Register Register Registre Registro Registro; Document Dokument
Document Documento Documento; Certificate Zertifikat Certificat Certificado Certificato;
License Lizenz Licence Licencia Licenza; Policy Police Police Póliza Polizza; Claim Anspruch
Réclamation Reclamación Reclamo; Asset Vermögenswert Actif Activo Cespite; Instrument
Instrument Instrument Instrumento Strumento; Process Prozess Processus Proceso Processo;
Meeting Sitzung Réunion Reunión Riunione; Inspection Prüfung Inspection Inspección Ispezione;
Region Region Région Región Regione; Site Standort Site Sitio Sito; Building Gebäude Bâtiment
Edificio Edificio; Route Route Itinéraire Ruta Percorso; Rate Satz Taux Tasa Tasso; Role Rolle
Rôle Rol Ruolo; Party Partei Partie Parte Parte; Device Gerät Appareil Dispositivo Dispositivo;
Component Komponente Composant Componente Componente; Order Auftrag Commande Pedido Ordine"""
ROOTS = """Agent Akteur Agent Agente Agente; Event Ereignis Événement Evento Evento; Artifact
Artefakt Artefact Artefacto Artefatto; Place Ort Lieu Lugar Luogo; Concept Begriff Concept
Concepto Concetto"""
FIXED = "Person Person Personne Persona Persona; Status Status Statut Estado Stato"
# Datatype property stem, xsd range, label in de fr es it (English: the spaced stem).
ATTRIBUTES = """code string Code Code Código Codice; name string Name Nom Nombre Nome; amount
decimal Betrag Montant Importe Importo; quantity integer Menge Quantité Cantidad Quantità;
rate decimal Satz Taux Tasa Tasso; startDate date Beginn Début Inicio Inizio; endDate date Ende
Fin Fin Fine; recordedAt dateTime Erfassung Saisie Registro Registrazione; active boolean Aktiv
Actif Activo Attivo; verified boolean Geprüft Vérifié Verificado Verificato; version integer
Version Version Versión Versione; reference string Referenz Référence Referencia Riferimento"""
# Object property verbs and their inverses.
PAIRS = """owns/ownedBy contains/partOf governs/governedBy issues/issuedBy manages/managedBy
precedes/follows supplies/suppliedBy hosts/locatedAt"""
CLAUSES = ["is recorded by a regulated party", "is identified within a register",
           "has a defined start and end", "is subject to periodic review",
           "is agreed between two or more parties", "can be transferred to another party",
           "is reported to a supervisory authority", "is managed at a single site"]  # fmt: skip
# Definitions of a class from its parent's label, and comments of a property from its class's.
DEFINE = ["A kind of {} that {}.", "Eine besondere Art von {}.", "Une forme particulière de {}.",
          "Un tipo particular de {}.", "Un tipo particolare di {}."]  # fmt: skip
OF = ["The {} of a {}.", "{} von {}.", "{} de {}.", "{} de {}.", "{} di {}."]
SOURCES = ["ISO 20022", "EU Regulation 2016/679", "W3C Organization Ontology", "UN/CEFACT"]
STATUSES = ["Active", "Suspended", "Closed", "Pending", "Approved", "Rejected"]
CHANGES = ["added", "leaf_parents", "collisions", "renamed", "moved", "deprecated", "removed"]


def _rows(text: str) -> dict[str, list[str]]:
    return {row.split()[0]: row.split() for row in text.replace("\n", " ").split(";")}


WORDS = _rows(MODIFIERS) | _rows(NOUNS) | _rows(ROOTS) | _rows(FIXED)
MODS, NOUN_LIST, ATTRS = list(_rows(MODIFIERS)), list(_rows(NOUNS)), _rows(ATTRIBUTES)
VERBS = [pair.split("/") for pair in PAIRS.split()]


def _lit(text: str, lang: str = "en") -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@' + lang


def _labels(words: tuple[str, ...]) -> list[str]:
    """Labels (en de fr es it) of a class named by modifiers and a noun."""
    *mods, noun = words
    low = [[WORDS[m][i].lower() for m in mods] for i in range(len(LANGS))]
    de = f"{WORDS[noun][1]} ({', '.join(low[1])})" if mods else WORDS[noun][1]
    return [" ".join(words).capitalize(), de] + [
        " ".join([WORDS[noun][i], *low[i]]) for i in (2, 3, 4)
    ]


@dataclass(eq=False, repr=False)
class Term:
    """A class, property or individual, and for a class its place in the tree."""

    q: str  # prefixed name
    kind: str  # objects of rdf:type
    u: float  # translated once a version's coverage passes u
    texts: list[tuple[str, list[str]]]  # predicate, texts in LANGS (or English only)
    axioms: list[tuple[str, str, tuple[Term, ...]]] = field(default_factory=list)  # and needs
    needs: tuple[Term, ...] = ()  # it goes when one of these is removed
    words: tuple[str, ...] = ()
    parent: Term | None = None
    depth: int = 0
    kids: int = 0
    born: int = 0
    deprecated: int = 0
    removed: int = 0
    fixed: bool = False  # never picked for a change
    links: list[Term] = field(default_factory=list)  # its object properties

    @property
    def name(self) -> str:
        return self.q.split(":")[1]

    @property
    def labels(self) -> list[str]:  # as in a sentence: German nouns keep their capital
        return [t if i == 1 else t.lower() for i, t in enumerate(self.texts[0][1])]

    def alive(self) -> bool:
        return not self.removed and all(t.alive() for t in self.needs)


def _restriction(kind: str, p: Term) -> str:
    """A restriction on object property p: some, all, max (1) or minq (1 of p's range)."""
    one, filler = '"1"^^xsd:nonNegativeInteger', p.needs[-1].q
    tail = {"max": f"owl:maxCardinality {one}",
            "minq": f"owl:minQualifiedCardinality {one} ; owl:onClass {filler}"
            }.get(kind, f"owl:{kind}ValuesFrom {filler}")  # fmt: skip
    return f"[ a owl:Restriction ; owl:onProperty {p.q} ; {tail} ]"


class _Builder:
    """The ontology as it evolves: ``version(v)`` applies version v's changes, ``render(v)``."""

    def __init__(self, count: int, start: int, end: int, seed: int) -> None:
        self.rng, self.count, self.start, self.end = random.Random(seed), count, start, end
        self.terms: list[Term] = []  # in the order they are written
        self.classes: list[Term] = []
        self.links: list[Term] = []  # object properties
        self.taken: set[str] = set()  # prefixed names and class local names
        self.log: dict[int, dict[str, list[Any]]] = {}
        self.docs: list[str] = []

    def langs(self, u: float, v: int) -> list[int]:
        """Languages at version v: English, de/fr for a third at first, then more, es/it later."""
        r = (v - 1) / max(1, self.count - 1)
        shares = [1, *[DE_FR[0] + DE_FR[1] * r] * 2, *[ES_IT * r] * 2]
        return [i for i, share in enumerate(shares) if u < share]

    def add(self, term: Term) -> Term:
        self.terms.append(term)
        self.taken.add(term.q)
        return term

    def prop(self, c: Term, stem: str, kind: str, labels: list[str], to: Term | str) -> Term:
        """A property of class c, named stem (or stem2, ...), with range ``to``."""
        ns, name, i = c.q.split(":")[0], stem, 1
        while f"{ns}:{name}" in self.taken:
            i, name = i + 1, f"{stem}{i + 1}"
        kind += " , owl:FunctionalProperty" * (self.rng.random() < 0.25)
        p = Term(f"{ns}:{name}", kind, self.rng.random(), [("rdfs:label", labels)])
        p.needs, target = ((c, to), to.q) if isinstance(to, Term) else ((c,), to)
        p.axioms = [("rdfs:domain", c.q, ()), ("rdfs:range", target, ())]
        return self.add(p)

    def add_class(self, v: int, words: tuple[str, ...], up: Term | None, ns: str = "ex") -> Term:
        rng, labels = self.rng, _labels(words)
        c = Term(f"{ns}:{''.join(words)}", "owl:Class", rng.random(), [("rdfs:label", labels)])
        c.words, c.parent, c.born = words, up, v
        self.classes.append(self.add(c))
        self.taken.add(c.name)
        self.log[v]["added"].append(c.q)
        if len(words) > 1 and rng.random() < 0.5:
            c.texts.append(("skos:altLabel", ["".join(w[0] for w in words)]))
        if up:
            up.kids, c.depth = up.kids + 1, up.depth + 1
            if rng.random() < 0.85:
                clause = rng.choice(CLAUSES)
                text = [t.format(label, clause) for t, label in zip(DEFINE, up.labels, strict=True)]
                c.texts.append(("skos:definition" if rng.random() < 0.7 else "rdfs:comment", text))
        else:
            c.texts.append(("skos:definition", [f"The most general class of {c.labels[0]}."]))
        if rng.random() < 0.6:
            c.texts.append(("skos:example", [f"The {c.labels[0]} recorded under reference 42."]))
        if rng.random() < 0.1:
            c.axioms.append(("rdfs:seeAlso", f"<https://en.wikipedia.org/wiki/{words[-1]}>", ()))
        if rng.random() < 0.25:
            c.axioms.append(("dcterms:source", f'"{rng.choice(SOURCES)}"', ()))
        if rng.random() < 0.2:
            note = f"Use only for {c.labels[0]} records kept by the issuing party."
            c.texts.append(("skos:scopeNote", [note]))
        return c

    def add_props(self, c: Term, pool: list[Term]) -> None:
        rng, stem = self.rng, c.name[0].lower() + c.name[1:]
        for attr in rng.sample(list(ATTRS), rng.choices((0, 1, 2, 3), (15, 35, 30, 20))[0]):
            labels = [re.sub("([A-Z])", r" \1", attr).lower(), *ATTRS[attr][2:]]
            p = self.prop(c, stem + attr[0].upper() + attr[1:], "owl:DatatypeProperty", labels,
                          f"xsd:{ATTRS[attr][1]}")  # fmt: skip
            if rng.random() < 0.95:
                comment = [t.format(a, b) for t, a, b in zip(OF, labels, c.labels, strict=True)]
                p.texts.append(("rdfs:comment", comment))
        for _ in range(rng.choices((0, 1, 2), (55, 40, 5))[0]):
            r, (verb, back) = rng.choice(pool), rng.choice(VERBS)
            label = re.sub("([A-Z])", r" \1", verb).lower() + " " + r.labels[0]
            p = self.prop(c, verb + r.name, "owl:ObjectProperty", [label], r)
            if rng.random() < 0.8:
                p.texts.append(("rdfs:comment", [f"Relates a {c.labels[0]} to the {label}."]))
            c.links.append(p)
            self.links.append(p)
            if rng.random() < 0.2:  # an inverse pair
                label = re.sub("([A-Z])", r" \1", back).lower() + " " + c.labels[0]
                inverse = self.prop(r, back + c.name, "owl:ObjectProperty", [label], c)
                inverse.axioms.append(("owl:inverseOf", p.q, ()))
                self.links.append(inverse)

    def add_axioms(self, c: Term) -> None:
        rng, links = self.rng, c.links or self.links
        if rng.random() < 0.2:
            kind = rng.choices(("some", "all", "max", "minq"), (50, 20, 15, 15))[0]
            p = rng.choice(links)
            c.axioms.append(("rdfs:subClassOf", _restriction(kind, p), (p,)))
        if rng.random() < 0.006:
            e = rng.choice([e for e in self.classes if e.q.startswith("ext:") and e.alive()])
            if e is not c:
                c.axioms.append(("owl:equivalentClass", e.q, (e,)))
        elif rng.random() < 0.006 and c.parent:
            p = rng.choice(links)
            also = f"( {c.parent.q} {_restriction('some', p)} )"
            c.axioms.append(("owl:equivalentClass", f"[ a owl:Class ; owl:intersectionOf {also} ]",
                             (c.parent, p)))  # fmt: skip

    def version(self, v: int) -> None:
        rng, log = self.rng, {key: list[Any]() for key in CHANGES}
        self.log[v] = log
        if v == 1:
            roots = [self.add_class(v, (w,), None) for w in _rows(ROOTS)]
            union = f"[ a owl:Class ; owl:unionOf ( {' '.join(r.q for r in roots)} ) ]"
            ident = self.prop(roots[0], "identifier", "owl:DatatypeProperty", ["identifier"],
                              "xsd:string")  # fmt: skip
            ident.kind, ident.needs = "owl:DatatypeProperty , owl:FunctionalProperty", ()
            ident.axioms[0] = ("rdfs:domain", union, ())
            person = self.add_class(v, ("Person",), roots[0])
            person.axioms.append(("owl:equivalentClass", "<https://schema.org/Person>", ()))
            self.add_class(v, ("Status",), roots[-1])
            for s in STATUSES:
                value = self.add(Term(f"ex:Status{s}", "owl:NamedIndividual , ex:Status", 0, []))
                value.texts.append(("rdfs:label", [s.lower()]))
                value.axioms.append(("skos:notation", f'"{s[:3].upper()}"', ()))
            for c in self.classes:
                c.fixed = True
        else:
            self.change(v)
        open_ = [c for c in self.classes if c.alive() and not c.deprecated and c.depth < MAX_DEPTH]
        alive = sum(c.alive() for c in self.classes)
        span = (self.end - self.start) * (v - 1) / max(1, self.count - 1)
        for _ in range(round(self.start + span) - alive):
            parent = rng.choice(open_)
            if not parent.kids and parent.parent and not parent.parent.deprecated:
                parent = parent.parent if rng.random() < 0.6 else parent
            if not parent.kids and parent.born < v:
                log["leaf_parents"].append(parent.q)
            ns = "ext" if rng.random() < 0.05 else "ex"
            c = self.add_class(v, self.fresh(parent), parent, ns)
            if c.depth < MAX_DEPTH:
                open_.append(c)
        born = [c for c in self.classes if c.born == v]
        pool = [c for c in self.classes if c.alive() and not c.deprecated]
        for c in born:
            self.add_props(c, pool)
        for c in born:
            self.add_axioms(c)

    def fresh(self, parent: Term) -> tuple[str, ...]:
        """New class words: one or two modifiers and a noun, often the parent's."""
        while True:
            noun = self.rng.choice(NOUN_LIST)
            if parent.words[-1] in NOUN_LIST and self.rng.random() < 0.7:
                noun = parent.words[-1]
            words = (*self.rng.sample(MODS, self.rng.choice((1, 1, 2))), noun)
            if "".join(words) not in self.taken:
                return words

    def change(self, v: int) -> None:
        """Deprecate 4 classes, rename 2, remove 3, move 4, add 3 ext: twins of ex: classes."""
        rng, log = self.rng, self.log[v]
        pool = [c for c in self.classes if c.alive() and not (c.fixed or c.deprecated)]
        picked = rng.sample([c for c in pool if not c.kids], 9)  # leaves
        for c in rng.sample([c for c in pool if c not in picked], 4) + picked[:2]:
            c.deprecated = v
            note = f"Deprecated in version {v}.0."
            c.axioms += [("owl:deprecated", "true", ()), ("skos:historyNote", _lit(note), ())]
            if c not in picked:
                log["deprecated"].append(c.q)
        for old in picked[:2]:
            words, tries = old.words, 0
            while "".join(words) in self.taken:  # another first modifier, or else noun
                tries += 1
                noun = old.words[-1] if tries < 20 else rng.choice(NOUN_LIST)
                words = (rng.choice(MODS), *old.words[1:-1], noun)
            new = self.add_class(v, words, old.parent, old.q.split(":")[0])
            new.fixed = True
            old.axioms.append(("dcterms:isReplacedBy", new.q, ()))
            log["renamed"].append((old.q, new.q))
        for c in picked[2:5]:
            assert c.parent
            c.removed, c.parent.kids = v, c.parent.kids - 1
            log["removed"].append(c.q)
        for c in picked[5:]:  # under a class that is not its parent
            assert c.parent
            to = rng.choice([p for p in self.classes if p.alive() and not p.deprecated
                             and p.depth < MAX_DEPTH and p not in (*picked, c.parent)])  # fmt: skip
            log["moved"].append((c.q, c.parent.q, to.q))
            c.parent.kids, to.kids = c.parent.kids - 1, to.kids + 1
            c.parent, c.depth = to, to.depth + 1
        twins = [c for c in self.classes if c.q == "ex:Person"] if v == 2 else []
        pool = [c for c in pool if c.q.startswith("ex:") and c not in picked and not c.deprecated]
        for c in twins + rng.sample(pool, 3 - len(twins)):  # an ext: class of the same name
            c.fixed = True
            twin = self.add_class(v, c.words, c.parent, "ext")
            twin.fixed = True
            log["collisions"].append(twin.q)

    def render(self, v: int) -> str:
        prior = f"\n    owl:priorVersion <{ONTO}/{v - 1}.0> ;" if v > 1 else ""
        date = f"{2025 + (v - 1) // 12}-{(v - 1) % 12 + 1:02d}-01"
        out = [HEADER.format(v=v, prior=prior, date=date)]
        for a in ANNOTATIONS.split():
            out[0] += f"\n{a} a owl:AnnotationProperty ."
        for t in self.terms:
            if not t.alive():
                continue
            langs = self.langs(t.u, v)
            pairs = [("a", t.kind)]
            for p, texts in t.texts:
                texts = [_lit(texts[i], LANGS[i]) for i in langs if i < len(texts)]
                pairs.append((p, " , ".join(texts)))
            if t.parent:
                pairs.append(("rdfs:subClassOf", t.parent.q))
            pairs += [(p, o) for p, o, needs in t.axioms if all(n.alive() for n in needs)]
            pairs.append(("rdfs:isDefinedBy", f"<{ONTO if t.q.startswith('ex:') else EXT}>"))
            out.append(t.q + " " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .")
        return "\n\n".join(out) + "\n"


def versions(
    count: int = 4, start_classes: int = 900, end_classes: int = 1900, seed: int = 7
) -> list[str]:
    """`count` Turtle documents: version 1 .. count of one ontology, growing from about
    start_classes to about end_classes named classes (and from about 22k to about 62k triples)."""
    return _build(count, start_classes, end_classes, seed).docs


def changes(
    count: int = 4, start_classes: int = 900, end_classes: int = 1900, seed: int = 7
) -> dict[int, dict[str, list[Any]]]:
    """What each version of ``versions()`` with the same arguments changed, per version (1 ..
    count) and key, as prefixed names: ``added`` (every new class), ``leaf_parents`` (classes
    without subclasses in the previous version that got new ones), ``collisions`` (new ``ext:``
    classes named like an ``ex:`` one), ``renamed`` ((old, new): old deprecated, replaced by new),
    ``moved`` ((class, old parent, new parent)), ``deprecated`` (not counting renamed ones) and
    ``removed``. Version 1 only has ``added``."""
    return _build(count, start_classes, end_classes, seed).log


def _build(count: int, start: int, end: int, seed: int) -> _Builder:
    builder = _Builder(count, start, end, seed)
    for v in range(1, count + 1):
        builder.version(v)
        builder.docs.append(builder.render(v))
    return builder


def main() -> None:
    from rdflib import OWL, RDF, Graph, URIRef

    started = time.perf_counter()
    docs = versions()
    elapsed = time.perf_counter() - started
    print(f"{'version':>7} {'classes':>8} {'triples':>8} {'kB':>6}")
    for v, doc in enumerate(docs, 1):
        g = Graph().parse(data=doc, format="turtle")
        classes = sum(isinstance(s, URIRef) for s in g.subjects(RDF.type, OWL.Class))
        print(f"{v:>7} {classes:>8} {len(g):>8} {len(doc.encode()) / 1024:>6.0f}")
    print(f"generated {len(docs)} versions in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
