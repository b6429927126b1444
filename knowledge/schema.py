"""JSON Schemas of a notice folder's hand-written files, and the check that names the file and line of each error.

`check_shapes` is cheap and runs on every load: each file must be the kind of value the loader reads (a list of
entries, or a mapping) and must not be empty. `validate` checks each file against its full schema with
jsonschema; it is imported only there, so only `check-knowledge` and `/reload` pay for it (about 60 ms), not `ask`.
The rule that every quote occurs in the notice is checked by the loader itself (facts.py, notes.py).
"""

from __future__ import annotations

from pathlib import Path

from .loader import KnowledgeError, NoticeBundle

_TEXT = {"type": "string", "minLength": 1}
_WORDS = {"type": "array", "items": {"type": ["string", "number"]}}
_DATE = {"type": ["string", "null"], "format": "date"}  # YAML reads 2023-07-10 as a date; see _plain
_INTENTS = ["deadline", "funding", "eligibility", "requirement", "process", "materials", "contact", "general"]
_QUOTED = {"quote": _TEXT}


def _entry(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


FACTS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "dates": {
            "type": "array",
            "items": _entry(
                ["id", "label", "text", "quote"],
                id=_TEXT,
                label=_TEXT,
                text=_TEXT,
                quote=_TEXT,
                role={"enum": ["deadline", "event", "period", "after"]},
                cues=_WORDS,
                date=_DATE,
                start=_DATE,
                end=_DATE,
                after=_DATE,
            ),
        },
        "money": {
            "type": "object",
            "properties": {
                "cap": _entry(
                    ["amount", "text", "quote"], amount={"type": "integer", "minimum": 0}, text=_TEXT, quote=_TEXT
                )
            },
        },
        "shares": {
            "type": "array",
            "items": _entry(
                ["id", "bound", "ratio", "label", "quote"],
                id=_TEXT,
                bound={"enum": ["min", "max"]},
                ratio={"type": "number", "minimum": 0, "maximum": 1},
                label=_TEXT,
                quote=_TEXT,
                cues=_WORDS,
            ),
        },
        "targets": {
            "type": "array",
            "items": _entry(
                ["id", "bound", "label", "quote"],
                id=_TEXT,
                bound={"enum": ["min", "max"]},
                label=_TEXT,
                quote=_TEXT,
                count={"type": "integer", "minimum": 0},
                ratio={"type": "number", "minimum": 0, "maximum": 1},
                unit={"type": "string"},
                cues=_WORDS,
                asks=_WORDS,
            ),
        },
        "expenses": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **{
                    verdict: {
                        "type": "array",
                        "items": _entry(
                            ["label", "quote", "terms"],
                            label=_TEXT,
                            quote=_TEXT,
                            terms={**_WORDS, "minItems": 1},
                            share={"type": ["string", "null"]},
                            note={"type": "string"},
                        ),
                    }
                    for verdict in ("allowed", "forbidden", "partial")
                },
                "unnamed": _WORDS,
                "spending_words": _WORDS,
                "unnamed_near": {"type": "array", "items": _TEXT},
            },
        },
    },
}

CLAUSES = {
    "type": "array",
    "minItems": 1,
    "items": _entry(
        ["quote", "answer"],
        quote=_TEXT,
        answer=_TEXT,
        intent={"enum": _INTENTS},
        topic={"type": "string"},
        keywords=_WORDS,
    ),
}

FAQ = {
    "type": "array",
    "minItems": 1,
    "items": _entry(["q"], q=_TEXT, topic={"enum": _INTENTS}),
}

GAPS = {
    "type": "array",
    "minItems": 1,
    "items": _entry(
        ["id", "when", "say"],
        id=_TEXT,
        when={"type": "array", "minItems": 1, "items": {**_WORDS, "minItems": 1}},
        say=_TEXT,
        near={"type": "array", "items": _TEXT},
        unless=_WORDS,
    ),
}

_OPTION = _entry(["label", "result", "reason"], label=_TEXT, result={"enum": ["pass", "fail", "check"]}, reason=_TEXT)
ELIGIBILITY = {
    "type": "object",
    "required": ["askers", "conditions"],
    "properties": {
        "askers": {"type": "object", "minProperties": 1, "additionalProperties": _TEXT},
        "conditions": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "array",
                "items": _entry(
                    ["id", "question", "quote", "options"],
                    id=_TEXT,
                    question=_TEXT,
                    quote=_TEXT,
                    options={"type": "object", "minProperties": 1, "additionalProperties": _OPTION},
                    cues={"type": "object", "additionalProperties": _WORDS},
                    requires=_WORDS,
                    informational={"type": "boolean"},
                ),
            },
        },
    },
}

INTENTS = {"type": "object", "minProperties": 1}
META = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "attachments": {
            "type": "array",
            "items": _entry(
                ["label", "description", "clause_quote"], label=_TEXT, description=_TEXT, clause_quote=_TEXT
            ),
        },
    },
}

SCHEMAS = {
    "facts": FACTS,
    "clauses": CLAUSES,
    "faq": FAQ,
    "gaps": GAPS,
    "eligibility": ELIGIBILITY,
    "intents": INTENTS,
    "meta": META,
}


def check_shapes(folder: Path, data: dict[str, object]) -> None:
    """Refuse an empty file, or one that is a mapping where a list is read (or the other way round)."""
    for stem, value in data.items():
        schema = SCHEMAS.get(stem)
        if schema is None:
            continue
        name = f"{stem}.yaml"
        if value is None or value == {} or value == []:
            raise KnowledgeError(f"{folder / name}:1: the file is empty; delete it or write its entries")
        wanted = schema["type"]
        if (wanted == "array") != isinstance(value, list) or (wanted == "object") != isinstance(value, dict):
            kind = "a list of entries" if wanted == "array" else "a mapping of keys"
            found = type(value).__name__
            raise KnowledgeError(f"{folder / name}:{getattr(value, 'line', 1)}: must be {kind}, not a {found}")


def validate(bundle: NoticeBundle) -> None:
    """Check every hand-written file (and meta.yaml) against its schema; KnowledgeError names the first error."""
    import jsonschema  # only check-knowledge and /reload pay for this import

    files = {**bundle.data, "meta": bundle.notice.meta} if bundle.notice.meta else dict(bundle.data)
    check_shapes(bundle.folder, files)
    for stem, value in sorted(files.items()):
        schema = SCHEMAS.get(stem)
        if schema is None:
            continue
        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(_plain(value)), key=lambda e: (list(e.absolute_path), e.message))
        if errors:
            error = errors[0]
            line = _line(value, list(error.absolute_path))
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "top level"
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise KnowledgeError(f"{bundle.folder / (stem + '.yaml')}:{line}: {where}: {error.message}{more}")


def _plain(value: object) -> object:
    """YAML values as JSON Schema sees them: dates as ISO strings, mappings and lists as themselves."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _line(value: object, path: list) -> int:
    """The line of the innermost mapping on the error's path (the loader's LineDict remembers it)."""
    line = getattr(value, "line", 0) or 1
    for step in path:
        try:
            value = value[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(value, "line", 0) or line
    return line
