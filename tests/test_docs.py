"""The documentation stays whole: links resolve, code cites only documents that exist.

- every relative link in README.md and docs/*.md points to a file of the repository, and its
  anchor (``file.md#section`` or ``#section``) to a heading of that file, slugged as GitHub does;
- every ``docs/….md`` that a comment or docstring cites exists, and so does the section it
  names (``docs/use-cases.md, section 'Floor number rule'``);
- no comment cites a Markdown file outside the repository, nor a "SPEC 2.5" of a document the
  repository does not hold;
- README.md stays short: the details live in docs/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 350

# Where code, comments and configuration live (docs/ and README.md are checked as Markdown).
CODE_DIRS = ("connect", "integrations", "tests", "templates", "scripts", "static", ".ci")
CODE_FILES = (
    "pyproject.toml",
    ".env.example",
    "docker-compose.yml",
    "Dockerfile",
    "run.sh",
    "test.sh",
    "manage.py",
)
CODE_SUFFIXES = {".py", ".html", ".txt", ".toml", ".sh", ".js", ".css", ".yml", ".yaml", ""}
SKIP_DIRS = {"node_modules", "__pycache__", ".venv", "var", "screenshots", ".git"}

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_CODE = re.compile(r"`+[^`]*`+")
_DOC_MENTION = re.compile(r"(?<![\w/.-])(docs/[\w./-]*?\.md)(?:#([\w-]+))?")
_SECTION = re.compile(r"(docs/[\w./-]*?\.md),?\s+section\s+(['\"])(.+?)\2")
_MD_MENTION = re.compile(r"(?<![\w/.:-])((?:\.{0,2}/)?[\w./-]*[\w-]\.md)\b")
_SPEC_CITATION = re.compile(r"\bSPEC(?:\.md\b|\s*§|\s+\d)")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def heading_text(raw: str) -> str:
    """A heading as GitHub shows it: links reduced to their text, no code or emphasis marks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    return text.replace("`", "").replace("**", "").replace("__", "")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading_text(heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(text: str) -> list[str]:
    return [m.group(2) for _n, line in prose_lines(text) if (m := _HEADING.match(line))]


def anchors(text: str) -> set[str]:
    """Every anchor of a Markdown text; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for heading in headings(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(path: Path, text: str) -> list[str]:
    """The relative links of one Markdown text that lead nowhere, as "file:line: target"."""
    # Code blocks become empty lines and inline code is dropped; a link's text may run over a
    # line break, and the line numbers still count.
    prose = dict(prose_lines(text))
    total = len(text.splitlines())
    joined = "\n".join(_INLINE_CODE.sub("", prose.get(n, "")) for n in range(1, total + 1))
    problems = []
    for match in _LINK.finditer(joined):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto: …
        number = joined.count("\n", 0, match.start(1)) + 1
        where = f"{path.relative_to(ROOT)}:{number}: {target}"
        file_part, _, anchor = target.partition("#")
        if not file_part:
            if anchor not in anchors(text):
                problems.append(f"{where} (no such heading)")
            continue
        linked = (path.parent / file_part).resolve()
        if not linked.exists():
            problems.append(f"{where} (no such file)")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in anchors(linked.read_text(encoding="utf-8"))
        ):
            problems.append(f"{where} (no such heading)")
    return problems


def code_files() -> Iterator[Path]:
    for name in CODE_FILES:
        if (ROOT / name).is_file():
            yield ROOT / name
    for directory in CODE_DIRS:
        base = ROOT / directory
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
                continue
            if path.is_file() and path.suffix in CODE_SUFFIXES:
                yield path


def citation_problems(path: Path, text: str) -> list[str]:
    """Documents and sections a code file cites that the repository does not hold."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path.relative_to(ROOT)}:{number}"
        for match in _DOC_MENTION.finditer(line):
            doc = ROOT / match.group(1)
            if not doc.is_file():
                problems.append(f"{where}: {match.group(1)} does not exist")
            elif match.group(2) and match.group(2) not in anchors(doc.read_text("utf-8")):
                problems.append(f"{where}: {match.group(1)} has no section #{match.group(2)}")
        for match in _SECTION.finditer(line):
            doc = ROOT / match.group(1)
            if doc.is_file():
                titles = {heading_text(h) for h in headings(doc.read_text("utf-8"))}
                if match.group(3) not in titles:
                    problems.append(f"{where}: {match.group(1)} has no section {match.group(3)!r}")
        for match in _MD_MENTION.finditer(line):
            mention = match.group(1)
            if mention.startswith("docs/"):
                continue  # checked above
            if not ((ROOT / mention).is_file() or (path.parent / mention).is_file()):
                problems.append(f"{where}: {mention} is not in the repository")
        if _SPEC_CITATION.search(line):
            problems.append(f"{where}: cites a specification the repository does not hold")
    return problems


def test_links_in_readme_and_docs_resolve() -> None:
    problems = [
        problem
        for path in markdown_files()
        for problem in broken_links(path, path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_code_cites_only_documents_and_sections_that_exist() -> None:
    problems = []
    for path in code_files():
        if path == Path(__file__).resolve():
            continue  # this file's examples are broken on purpose
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (a compiled catalogue, an image)
        problems += citation_problems(path, text)
    assert problems == []


def test_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move details to docs/"


def test_every_docs_file_is_listed_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unlisted = [
        path.name
        for path in sorted((ROOT / "docs").glob("*.md"))
        if f"(docs/{path.name})" not in readme
    ]
    assert unlisted == []


# --- the checks themselves catch what they are for ---------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ("See [ops](docs/nowhere.md).", "docs/nowhere.md (no such file)"),
        ("See [ops](docs/operations.md#no-such-section).", "(no such heading)"),
        ("See [top](#missing).", "#missing (no such heading)"),
        ("![picture](docs/img/missing.png)", "docs/img/missing.png (no such file)"),
    ],
)
def test_a_broken_link_is_reported(markdown: str, problem: str) -> None:
    text = f"# Title\n\n{markdown}\n"
    problems = broken_links(ROOT / "README.md", text)
    assert len(problems) == 1
    assert problems[0].startswith("README.md:3: ")
    assert problems[0].endswith(problem)


def test_a_broken_link_over_a_line_break_is_reported() -> None:
    text = "# Title\n\nSee [the\nsection](docs/operations.md#nowhere).\n"
    problems = broken_links(ROOT / "README.md", text)
    assert problems == ["README.md:4: docs/operations.md#nowhere (no such heading)"]


def test_links_that_resolve_are_not_reported() -> None:
    text = (
        "# Title\n\n## Second part: a (detail), `code`\n\n"
        "[ops](docs/operations.md#configuration) [self](#second-part-a-detail-code) "
        "[web](https://example.org/x.md) `[not a link](nowhere.md)`\n\n"
        "```\n[in a code block](nowhere.md)\n```\n"
    )
    assert broken_links(ROOT / "README.md", text) == []


def test_anchors_follow_github() -> None:
    text = '# A\n\n## Record inspector ("Datensatz erklären")\n\n## Notes\n\n## Notes\n'
    assert anchors(text) == {"a", "record-inspector-datensatz-erklären", "notes", "notes-1"}


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# see docs/nowhere.md", "docs/nowhere.md does not exist"),
        ("# docs/use-cases.md, section 'No such rule'", "has no section 'No such rule'"),
        ("# see docs/use-cases.md#no-such-rule", "has no section #no-such-rule"),
        ('"""Every rule of shared/erp-export-v1.md."""', "is not in the repository"),
        ("# the floor rule (SPEC 2.5)", "cites a specification the repository does not hold"),
    ],
)
def test_a_citation_of_a_missing_document_is_reported(comment: str, problem: str) -> None:
    problems = citation_problems(ROOT / "connect" / "example.py", comment)
    assert len(problems) == 1
    assert problems[0].startswith("connect/example.py:1: ")
    assert problems[0].endswith(problem)


def test_citations_that_exist_are_not_reported() -> None:
    comment = (
        "# docs/use-cases.md, section 'Floor number rule'; docs/erp-export-v1.md; README.md; "
        "docs/operations.md#configuration; SPECS = {}; SPECTACULAR_SETTINGS"
    )
    assert citation_problems(ROOT / "connect" / "example.py", comment) == []
