"""The documentation a new user reads is whole: every variable the settings read is in
``.env.example``, and every link of the README and ``docs/`` leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(r"""env_(?:str|bool|int|float|list|json|secret)\(\s*["']([A-Z0-9_]+)["']""")
LINK = re.compile(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def variables_read() -> set[str]:
    found: set[str] = set()
    for folder in ("oms_project", "ontology", "branches", "history", "integrations"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(READERS.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_variable_the_settings_read_is_in_the_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    missing = sorted(variables_read() - listed)
    assert missing == [], f"add to .env.example: {missing}"
    assert len(variables_read()) > 40  # the scan finds the readers


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_link_of_the_docs_leads_somewhere(page: Path):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no such section")
    assert broken == []
