"""Knowledge files on disk (Markdown with front matter, plain text, PDF) as documents and chunks."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

# The curated knowledge ships inside the package, so an installed bot answers as a checkout does.
BUNDLED_DIR = Path(str(resources.files("bot.knowledge").joinpath("corpus")))
SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
# Chunks longer than this are cut at paragraph boundaries so that a passage stays focused.
MAX_CHUNK_CHARS = 1800

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Chunk:
    heading_path: list[str]
    text: str


@dataclass
class SourceDocument:
    """A document as read from its source, before indexing."""

    key: str  # stable identity: "file:<relative path>" or "slack:<channel>/<ts>"
    source: str  # file | slack
    title: str
    body: str
    ref: str  # a URL when known, the file path otherwise
    kind: str = ""
    language: str = "fr"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        # The analyser's version is part of the hash: changing how text is analysed re-indexes everything.
        from bot.knowledge.analysis import ANALYSER_VERSION

        material = "\x1f".join([ANALYSER_VERSION, self.title, self.ref, self.kind, self.language, self.body])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter (what our knowledge files use); the rest is the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not line.startswith((" ", "\t", "-")):
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end():]


def read_file(path: Path, root: Path) -> SourceDocument | None:
    """One supported file as a document; None (logged) when it can't be read."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            body = _pdf_text(path)
            meta: dict[str, str] = {}
        else:
            meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    except Exception as exc:  # a broken file must not stop the others from being indexed
        log.warning("skipping knowledge file %s: %s", path, exc)
        return None
    if not body.strip():
        return None
    relative = _display_path(path, root)
    title = meta.get("title") or _first_heading(body) or path.stem.replace("-", " ").replace("_", " ")
    return SourceDocument(
        key=f"file:{relative}",
        source="file",
        title=title,
        body=body,
        ref=meta.get("url") or relative,
        kind=meta.get("kind", ""),
        language=_language(path, root, meta),
        meta=meta,
    )


# A knowledge folder's sub-folder named after a language holds the versions in that language.
LANGUAGE_FOLDERS = ("en", "fr")


def _language(path: Path, root: Path, meta: dict[str, str]) -> str:
    try:
        first = path.resolve().relative_to(root.resolve()).parts[0]
    except (ValueError, IndexError):
        first = ""
    return first if first in LANGUAGE_FOLDERS and len(path.resolve().relative_to(root.resolve()).parts) > 1 else meta.get("language", "fr")


def iter_folder(folder: Path) -> Iterator[SourceDocument]:
    if not folder.is_dir():
        log.warning("knowledge folder %s does not exist", folder)
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith("."):
            document = read_file(path, folder)
            if document is not None:
                yield document


def iter_sources(extra_dir: Path | None) -> Iterator[SourceDocument]:
    """The bundled knowledge, then KNOWLEDGE_DIR when set."""
    yield from iter_folder(BUNDLED_DIR)
    if extra_dir is not None and Path(extra_dir).resolve() != BUNDLED_DIR.resolve():
        yield from iter_folder(Path(extra_dir))


def chunk_document(title: str, body: str) -> list[Chunk]:
    """Split at headings; each chunk keeps the path of headings above it (the title first)."""
    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        lines.clear()
        if not text:
            return
        path = [title] + [h for _level, h in stack if h != title]
        for piece in _split_long(text):
            chunks.append(Chunk(heading_path=path, text=piece))

    in_code = False
    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            stack[:] = [(lvl, h) for lvl, h in stack if lvl < level]
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return chunks


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHUNK_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + len(paragraph) > MAX_CHUNK_CHARS:
            pieces.append(current.strip())
            current = ""
        current += paragraph + "\n\n"
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            return match.group(2).strip()
    return None


def _display_path(path: Path, root: Path) -> str:
    # Bundled files keep the ref "knowledge/<file>" wherever the package is installed.
    try:
        return "knowledge/" + path.resolve().relative_to(BUNDLED_DIR.resolve()).as_posix()
    except ValueError:
        return path.resolve().relative_to(root.resolve().parent).as_posix()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
