"""Every reference in code and docs points inside the repository (issue 14).

Users have the repository and nothing else, so a citation they cannot open is a dead
end: a bare document name (``events`` + ``.md`` alone, which names no file of the
repository), a path to a folder outside it, or a section that the cited page does not
have (say ``docs/rules.md`` s12, or a quoted heading that was renamed). This test reads
every text file of the repository and names each such citation by file and line.

What counts as a citation:
- any token ending in ``.md``: it must be a path, from the repository's root, to a file of the
  repository (``docs/rules.md``, ``README.md``);
- ``docs/X.md`` (or ``README.md``) followed by sections, ``s4``, ``s4.1``, ``s3-4``,
  ``section 5``, and/or quoted headings, ``"Reading it"``: each section number must be
  the number of a heading of that page, each quoted name part of one of its headings
  (case ignored, so ``"Checkpoints"`` finds ``#### Checkpoints``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What the repository holds for its users and its developers (not .venv, not .git).
SCANNED = ("pac_grants", "streams", "models", "tests", "benchmarks", "scripts",
           "monitoring", "docs", ".ci", "README.md", "docker-compose.yml",
           "pyproject.toml", "Dockerfile")
SKIPPED_DIRS = {"__pycache__", ".venv", ".git", ".mypy_cache", ".pytest_cache",
                ".ruff_cache", "node_modules"}
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".pyc", ".gz", ".zip", ".db"}
#: This file cites bad pages on purpose, to show that the scanner finds them.
SELF = Path(__file__).resolve()

#: A token ending in ``.md``; not inside a longer path-like word, nor a URL (``https://...``).
MD_TOKEN = re.compile(r"(?<![\w./:-])((?:[\w.-]+/)*[\w.-]+\.md)(?![\w-])")
#: Where the private material lives; the project never points there.
OUTSIDE = re.compile(r"\.\./shared|/work/shared")
_SECTION = r"\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?"
#: One section (``s4.1``, ``s3-4``, ``section 5``) or quoted heading after a page's name,
#: on the same line as what precedes it; a quoted name may wrap.
ITEM = re.compile(rf',?[ \t]+(?:(?:s|sections?[ \t]+)(?P<numbers>{_SECTION})(?![\w-])'
                  rf'|"(?P<name>[^"]{{1,120}})")')
#: ``docs/X.md`` (or README.md), its closing backticks, then sections and quoted headings.
CITATION = re.compile(rf"(?<![\w./:-])(?P<doc>(?:docs/[\w.-]+|README)\.md)`{{0,2}}"
                      rf"(?P<tail>(?:{ITEM.pattern})*)")
HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
HEADING_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*)\.?\s")


def repository_files(root: Path) -> Iterator[Path]:
    """The text files of ``SCANNED`` under ``root``, in a stable order."""
    for name in SCANNED:
        top = root / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            parts = set(path.relative_to(root).parts)
            if (path.is_file() and not parts & SKIPPED_DIRS
                    and path.suffix not in BINARY_SUFFIXES
                    and not any(p.endswith(".egg-info") for p in parts)):
                yield path


@cache
def headings(page: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    """The section numbers and the heading texts (lower case) of a Markdown page.

    Lines inside fenced code blocks are not headings (a ``# comment`` in a shell
    example is not a section)."""
    numbers: set[str] = set()
    texts: list[str] = []
    fenced = False
    for line in page.read_text("utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            text = match.group("text")
            texts.append(text.lower())
            number = HEADING_NUMBER.match(text)
            if number:
                numbers.add(number.group("number"))
    return frozenset(numbers), tuple(texts)


def _flatten(text: str) -> str:
    """A quoted name that a comment or docstring wrapped, as one line."""
    return " ".join(word for word in (part.lstrip("#:") for part in text.split()) if word)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _bad_tokens(root: Path, text: str) -> Iterator[tuple[int, str]]:
    """(a) a ``.md`` token that is not a file of the repository; (b) paths outside it."""
    for match in MD_TOKEN.finditer(text):
        target = (root / match.group(1)).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            yield match.start(), f"{match.group(1)!r} is not a file of the repository"
    for match in OUTSIDE.finditer(text):
        yield match.start(), f"{match.group(0)!r} points outside the repository"


def _bad_sections(root: Path, text: str) -> Iterator[tuple[int, str]]:
    """(c) section numbers and quoted headings that the cited page does not have."""
    for match in CITATION.finditer(text):
        doc, tail = match.group("doc"), match.group("tail")
        page = root / doc
        if not tail or not page.is_file():
            continue
        numbers, texts = headings(page)
        for item in ITEM.finditer(tail):
            if item.group("numbers"):
                for number in item.group("numbers").split("-"):
                    if number not in numbers:
                        yield match.start(), f"{doc} has no section {number}"
                continue
            name = _flatten(item.group("name"))
            if not any(name.lower() in heading for heading in texts):
                yield match.start(), f"{doc} has no heading {name!r}"


def problems(root: Path, files: list[Path]) -> list[str]:
    """Every bad citation of ``files`` as ``path:line: what``."""
    found: list[str] = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        where = path.relative_to(root)
        bad = sorted([*_bad_tokens(root, text), *_bad_sections(root, text)])
        found.extend(f"{where}:{_line(text, offset)}: {what}" for offset, what in bad)
    return found


def test_every_citation_points_inside_the_repository() -> None:
    files = [path for path in repository_files(ROOT) if path.resolve() != SELF]
    found = problems(ROOT, files)
    assert not found, f"{len(found)} citations outside the repository:\n" + "\n".join(found)


def _synthetic_repo(root: Path) -> Path:
    """A repository with one page of numbered sections and one of named headings."""
    (root / "docs").mkdir()
    (root / "docs" / "rules.md").write_text(
        "# Rules\n\n## 1. Rulesets\n\n### 1.2 Validation\n\n## 4. Allocation of a pool\n\n"
        "```sh\n# 9. not a heading\n```\n", "utf-8")
    (root / "README.md").write_text("# pac\n\n## Finance API and page\n", "utf-8")
    return root


def test_the_scanner_names_each_bad_citation(tmp_path: Path) -> None:
    root = _synthetic_repo(tmp_path)
    bare = "rules" + ".md"
    lines = [
        f'"""Allocation ({bare} s4).',                                      # 1: bare name
        "Good: `docs/rules.md` s4, s1.2; `docs/rules.md` s1-4, section 1.2;",
        'README.md, "Finance API"; `docs/rules.md`, "Valid"; ``docs/rules.md`` "Allocation',
        '# of a" (wrapped, whole); `docs/rules.md` s4',
        '"a dict key on the next line": not a citation; https://example.org/x' '.md.',
        "Bad: `docs/rules.md` s9 (in a code block only), `docs/rules.md` s1.3,",  # 6
        '`docs/README.md`, `docs/rules.md` "Payment", /work/' "shared/spec,",      # 7
        "../" 'shared/data and `README.md` "Money" and `docs/rules.md` sections 4-5."""',
    ]
    source = root / "module.py"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    assert problems(root, [source]) == [
        f"module.py:1: {bare!r} is not a file of the repository",
        "module.py:6: docs/rules.md has no section 9",
        "module.py:6: docs/rules.md has no section 1.3",
        "module.py:7: 'docs/README.md' is not a file of the repository",
        "module.py:7: docs/rules.md has no heading 'Payment'",
        "module.py:7: '/work/" "shared' points outside the repository",
        "module.py:8: '../" "shared' points outside the repository",
        "module.py:8: README.md has no heading 'Money'",
        "module.py:8: docs/rules.md has no section 5",
    ]


def test_files_of_the_repository_are_scanned_and_binaries_skipped(tmp_path: Path) -> None:
    root = _synthetic_repo(tmp_path)
    (root / "docs" / "picture.png").write_bytes(b"\x89PNG rules" b".md")
    (root / ".venv").mkdir()
    (root / ".venv" / ("x" ".md")).write_text("events" ".md", "utf-8")
    (root / "docs" / ("page" ".md")).write_text("see ledger" ".md\n", "utf-8")
    files = list(repository_files(root))
    assert root / "docs" / "picture.png" not in files
    assert problems(root, files) == [
        "docs/page" ".md:1: 'ledger" ".md' is not a file of the repository"]
