"""Find the notice folders under knowledge/notices/ and load each: text, metadata, clauses, data files."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .model import Notice

PACKAGE_DIR = Path(__file__).resolve().parent
NOTICES_DIR = PACKAGE_DIR / "notices"
LEXICON_DIR = PACKAGE_DIR / "lexicon"
DEFAULT_NOTICE = "bj-szhzx-2023"


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on, so errors can name it."""

    line: int = 0


@lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """The YAML loader class, made on first use: a start that finds everything in the cache reads no YAML."""
    import yaml

    # The C parser is several times faster; start-up time matters for `ask`.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _YamlLoader(base):
        pass

    def _construct_map(loader, node):
        data = LineDict()
        data.line = node.start_mark.line + 1
        yield data
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:  # YAML would silently keep the last one and lose the first
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {twice[0]!r}", node.start_mark)
        data.update(loader.construct_mapping(node))

    _YamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    return _YamlLoader


def at(file: str, entry, label: str = "") -> str:
    """Where an entry stands, for error messages: "facts.yaml:42 (dates[3])"."""
    line = getattr(entry, "line", 0)
    place = f"{file}:{line}" if line else file
    return f"{place} ({label})" if label else place


class KnowledgeError(ValueError):
    """Knowledge that cannot be loaded or does not agree with the notice text."""


def read_yaml(path: Path):
    """Load one YAML file, naming the file and line on a syntax error."""
    loader = _yaml_loader()
    import yaml  # imported by _yaml_loader already: a lookup

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise KnowledgeError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc


@dataclass
class NoticeBundle:
    """One notice folder: the parsed notice plus its optional data files (facts, faq, eval)."""

    notice: Notice
    folder: Path
    data: dict[str, object] = field(default_factory=dict)  # file stem -> parsed YAML


def load_notice(folder: Path) -> NoticeBundle:
    """Parse notice.txt of a folder and read every other YAML file beside it."""
    text_path = folder / "notice.txt"
    if not text_path.is_file():
        raise KnowledgeError(f"{folder}: no notice.txt")
    from .parser import parse_notice  # only a build parses: a start from the cache does not import it
    from .schema import check_shapes  # beside the loader; imported here, as it imports the loader

    meta_path = folder / "meta.yaml"
    meta = read_yaml(meta_path) if meta_path.is_file() else {}
    # The evaluation set is for measuring, not answering: it is read only by the scorer.
    data = {p.stem: read_yaml(p) for p in sorted(folder.glob("*.yaml")) if p.stem not in ("meta", "eval")}
    # An empty file, or a list where a mapping is read, is refused here, naming that file (not the next one read).
    check_shapes(folder, {**data, "meta": meta} if meta_path.is_file() else data)
    notice = parse_notice(text_path.read_text(encoding="utf-8"), key=folder.name, meta=meta or {})
    return NoticeBundle(notice=notice, folder=folder, data=data)


def notice_folders(root: Path = NOTICES_DIR) -> list[Path]:
    """Every folder holding a notice.txt, in name order."""
    return sorted(p.parent for p in root.glob("*/notice.txt"))


@lru_cache(maxsize=8)
def load_bundle(key: str = DEFAULT_NOTICE, root: Path = NOTICES_DIR) -> NoticeBundle:
    """The bundle of one notice, parsed once per process."""
    return load_notice(root / key)
