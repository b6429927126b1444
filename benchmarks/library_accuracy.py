"""Score answers in a library of notices: the shipped notice beside the fixture notices, each with notice.txt alone.

    python benchmarks/library_accuracy.py [SHIPPED_SET.yaml ...] [--failures]

Each fictional set is asked three ways through handlers.routing.answer_in_library, with no --notice:
"named" (the question opens with the words a user would name its notice by: its place, and its batch when
the notice has one), "chosen" (the chat has chosen its notice) and "as asked" (no choice, no name: the best
fit answers; the shipped notice is the default). The shipped notice's sets are asked with the chat's choice
of it, and as asked. Besides the scorer's cite@3, facts and refusal, "other first" is the share of answers
whose first citation is from another notice than the set's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.accuracy import DEV_SET, FICTIONAL_SETS, NOTICE_DIR, PROJECT_SET  # noqa: E402
from handlers.evaluate import format_report, load_items, score  # noqa: E402
from handlers.routing import answer_in_library  # noqa: E402
from knowledge.library import Library  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "notices"
# How a user names each fixture notice in a question: its place, and its batch when it has one.
NAMES = {
    "fic-qyzn-2025": "临江市",
    "fic-dierpi-2024": "北京第二批",
    "fic-zhuanfa-2024": "河川省",
    "fic-sanpi-2025": "临溪区",
    "fic-yunze-2026": "云泽市",
    "fic-qinghe-2026": "青禾区",
    "fic-songling-2026": "松陵市",
    "fic-wutong-2026": "梧桐县",
    "fic-liuwan-2026": "柳湾区",
    "fic-bailu-2026": "白鹭区",
    "fic-shihu-2026": "石湖市",
    "fic-hetang-2026": "荷塘区",
    "fic-lanxi-2026": "兰溪市",
}


def library_folder(into: Path) -> Path:
    """The shipped notice with its hand-written files, and every fixture notice with its notice.txt alone."""
    shutil.copytree(NOTICE_DIR, into / NOTICE_DIR.name)
    for folder in sorted(p.parent for p in FIXTURES.glob("*/notice.txt")):
        (into / folder.name).mkdir()
        shutil.copy(folder / "notice.txt", into / folder.name / "notice.txt")
    return into


def measure(items, library: Library, key: str, *, prefix: str = "", chosen: str | None = None):
    """The scorer's report, and the share of cited answers whose first citation is another notice's."""
    firsts: list[str] = []

    def answer(question: str):
        reply = answer_in_library(prefix + question, library=library, current_key=chosen)
        if reply.citations:
            firsts.append(reply.citations[0].notice)
        return reply

    report = score(items, answer)
    other = sum(1 for n in firsts if n != key) / len(firsts) if firsts else 0.0
    return report, other


def row(name: str, report, other: float) -> str:
    m = report.metrics()
    return (
        f"  {name:<9} cite@3 {m['cite@3']:.3f}  facts {m['facts']:.3f}  refusal {m['refusal'] or 0:.3f}  "
        f"other first {other:.3f}  ({m['items']} items)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "shipped", nargs="*", type=Path, help="sets about the shipped notice (default: the dev set and eval.yaml)"
    )
    parser.add_argument("--failures", action="store_true", help="print the failures of the named runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(library_folder(Path(tmp))).build_all()
        print(f"library: {', '.join(library.keys())}; default {library.default_key()}")
        for path, folder in FICTIONAL_SETS.items():
            if not path.is_file():
                continue
            items, key = load_items(path), folder.name
            print(f"== {path.name} ({key})")
            named = measure(items, library, key, prefix=f"{NAMES[key]}的通知,")
            print(row("named", *named))
            print(row("chosen", *measure(items, library, key, chosen=key)))
            print(row("as asked", *measure(items, library, key)))
            if args.failures:
                print(format_report(named[0]))
        for path in args.shipped or (DEV_SET, PROJECT_SET):
            if not path.is_file():
                continue
            items, key = load_items(path), NOTICE_DIR.name
            print(f"== {path.name} ({key})")
            print(row("chosen", *measure(items, library, key, chosen=key)))
            print(row("as asked", *measure(items, library, key)))
    return 0


if __name__ == "__main__":
    os.environ["NOTICE_BOT_NOTICE"] = NOTICE_DIR.name  # the shipped notice stays the default, as deployed
    sys.exit(main())
