"""A cache of built knowledge on disk, keyed by a hash of everything the build reads.

Building a notice (parse, extract, index) takes tens of milliseconds; a library of hundreds of notices
would start in seconds. Each built KnowledgeBase is pickled under a digest of its folder's files, the
lexicon's files and the knowledge code itself, so any change to one of them builds it afresh. The lexicon
is stored once, apart (its words and its jieba tokenizer's frequencies, never the tokenizer itself), and the
one loaded in the process is attached to each notice on load. The list of notices is stored too. The cache
is on by default, in $XDG_CACHE_HOME/notice-bot (else ~/.cache/notice-bot); NOTICE_BOT_CACHE names another
folder, or turns it off with off, 0 or none. It holds built knowledge only, never a token or a key. A cache
file that cannot be read is rebuilt, never trusted; a folder that cannot be written costs speed, not answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from .base import KnowledgeBase, build
from .lexicon import Lexicon, _import_jieba
from .loader import LEXICON_DIR, PACKAGE_DIR

CACHE_ENV = "NOTICE_BOT_CACHE"
STALE_DAYS = 30  # cache files not written for this long are removed when another is written
CACHE_OFF = frozenset({"off", "0", "none"})  # NOTICE_BOT_CACHE values that turn the cache off
FORMAT = b"notice-bot knowledge cache 1"  # bump when the pickled layout changes in a way the code hash misses

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
_UNWRITABLE: set[Path] = set()  # cache folders already warned about in this process


def default_cache_dir() -> Path:
    """The per-user cache folder: $XDG_CACHE_HOME/notice-bot, else ~/.cache/notice-bot."""
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    # The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "notice-bot"


def cache_dir() -> Path | None:
    """The cache folder: NOTICE_BOT_CACHE's folder, the per-user default when unset, None when turned off."""
    named = os.environ.get(CACHE_ENV, "").strip()
    if named.lower() in CACHE_OFF:
        return None
    if named:
        return Path(named)
    try:
        return default_cache_dir()
    except RuntimeError:  # no home directory to be found: no default cache, answers all the same
        return None


def _files_digest(h: "hashlib._Hash", folder: Path, pattern: str) -> None:
    for path in sorted(folder.glob(pattern)):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")


@lru_cache(maxsize=4)
def _shared_digest(lexicon_dir: Path) -> bytes:
    """What every notice's build also reads: the lexicon and the knowledge code."""
    h = hashlib.sha256(FORMAT)
    _files_digest(h, lexicon_dir, "*")
    _files_digest(h, PACKAGE_DIR, "*.py")
    return h.digest()


def digest(folder: Path, lexicon_dir: Path = LEXICON_DIR) -> str:
    """A hash of the inputs of one notice's build."""
    h = hashlib.sha256(_shared_digest(lexicon_dir))
    _files_digest(h, folder, "*")
    return h.hexdigest()


def load_lexicon(lexicon_dir: Path = LEXICON_DIR) -> Lexicon:
    """The lexicon with its tokenizer, from the cache when the lexicon, the code and jieba are unchanged."""
    where = cache_dir()
    if where is None:
        return Lexicon.load(lexicon_dir)
    jieba = _import_jieba()  # the tokenizer needs it anyway; its version keys the stored tokenizer
    key = hashlib.sha256(_shared_digest(lexicon_dir) + jieba.__version__.encode()).hexdigest()[:24]
    path = where / f"lexicon-{key}.pickle"
    if path.is_file():
        try:
            fields, state = pickle.loads(path.read_bytes())
            # The folder is this one, wherever the files were when they were stored.
            return Lexicon(**dict(fields, folder=lexicon_dir)).with_tokenizer_state(state)
        except Exception:  # noqa: BLE001 - a damaged or stale file is rebuilt, never trusted
            _LOGGER.warning("rebuilding unreadable lexicon cache %s", path.name)
    lexicon = Lexicon.load(lexicon_dir)
    fields = {f.name: getattr(lexicon, f.name) for f in dataclasses.fields(lexicon)}
    _write(pickle.dumps((fields, lexicon.tokenizer_state()), protocol=pickle.HIGHEST_PROTOCOL), path)
    return lexicon


def load_or_make(kind: str, files: Iterable[Path], make: Callable[[], T]) -> T:
    """What make() returns, from the cache when the files it reads and the knowledge code are unchanged.

    For what is read on every start besides the notices' knowledge: the list of notices (their titles and
    dates, from notice.txt and meta.yaml), so that a start from the cache reads no YAML at all.
    """
    where = cache_dir()
    if where is None:
        return make()
    h = hashlib.sha256(_shared_digest(LEXICON_DIR) + kind.encode())
    for one in files:  # the path too: what is made may hold it (a notice's folder)
        h.update(str(one).encode() + b"\0" + (one.read_bytes() if one.is_file() else b"\1(missing)") + b"\0")
    path = where / f"{kind}-{h.hexdigest()[:24]}.pickle"
    if path.is_file():
        try:
            return pickle.loads(path.read_bytes())
        except Exception:  # noqa: BLE001 - a damaged or stale file is remade, never trusted
            _LOGGER.warning("remaking unreadable cache %s", path.name)
    value = make()
    _write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), path)
    return value


def _path(folder: Path, where: Path, lexicon_dir: Path) -> Path:
    return where / f"{folder.name}-{digest(folder, lexicon_dir)[:24]}.pickle"


def cached(folder: Path, lexicon: Lexicon, where: Path, lexicon_dir: Path = LEXICON_DIR) -> None:
    """Make sure the notice's knowledge is in the cache: built (and so checked) and stored if it is not."""
    path = _path(folder, where, lexicon_dir)
    if not path.is_file():
        _store(build(folder, lexicon_dir, lexicon=lexicon), path)


def load_or_build(folder: Path, lexicon: Lexicon, where: Path, lexicon_dir: Path = LEXICON_DIR) -> KnowledgeBase:
    """The notice's knowledge from the cache when its inputs are unchanged, else built and stored."""
    path = _path(folder, where, lexicon_dir)
    if path.is_file():
        try:
            kb = pickle.loads(path.read_bytes())
            if not isinstance(kb, KnowledgeBase):
                raise TypeError(f"not a KnowledgeBase: {type(kb).__name__}")
            kb.lexicon = kb.index.lexicon = lexicon
            lexicon.teach(kb.index.terms)  # the notice's defined terms, as its build taught them
            return kb
        except Exception:  # noqa: BLE001 - a damaged or stale file is rebuilt, never trusted
            _LOGGER.warning("rebuilding unreadable knowledge cache %s", path.name)
    kb = build(folder, lexicon_dir, lexicon=lexicon)
    _store(kb, path)
    return kb


def _store(kb: KnowledgeBase, path: Path) -> None:
    """Write the knowledge without its lexicon, atomically, so a reader never sees half a file."""
    # What the first question would compute, computed now, so a notice loaded later answers at once.
    kb.place_region, kb.folded_text, kb.not_focus, kb.index._typo_targets  # noqa: B018 - cached properties
    lexicon = kb.lexicon
    kb.lexicon = kb.index.lexicon = None
    try:
        data = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        kb.lexicon = kb.index.lexicon = lexicon
    _write(data, path)


def _write(data: bytes, path: Path) -> None:
    """Write one cache file atomically; a folder that cannot be written costs speed, not answers."""
    try:
        # Only this user may write there: a pickle is code to whoever loads it.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as out:
            out.write(data)
        os.replace(out.name, path)
    except OSError as exc:  # a read-only disk costs speed, not answers
        if path.parent not in _UNWRITABLE:  # one warning a folder, not one a file on every start
            _UNWRITABLE.add(path.parent)
            _LOGGER.warning("could not write the knowledge cache: %s", exc)
        return
    _prune(path.parent)


def _prune(where: Path) -> None:
    """Remove cache files not written for STALE_DAYS: each change of the code or a notice leaves one behind."""
    # The cache is on by default in the user's home, so old versions must not pile up there for ever.
    # A file still in use but older than that is only rebuilt once, at the cost of one build.
    cutoff = time.time() - STALE_DAYS * 86400
    for old in (*where.glob("*.pickle"), *where.glob("*.tmp")):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:  # another process removed or replaced it first
            pass
