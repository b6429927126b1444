"""Time to draw the 一图读懂 picture of each notice, and its size.

    python benchmarks/picture.py [--runs 5] [--json] [FOLDER ...]

For every notice folder under knowledge/notices/ and tests/fixtures/notices/ (or the folders given): the
knowledge base is built once, untimed; then the card is built and rendered --runs times with the cache
bypassed (`handlers.card.build_card` + `bot.picture.render_card`), timed with time.perf_counter, best and
median reported next to the PNG's size and dimensions. The first render of the process also pays for
loading the font; it is reported apart as "first". Also: how long `import PIL` and the font take.

Target (issue 13): a render takes <= 1 s for every notice; the PNG is <= 1 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_SECONDS = 1.0
TARGET_BYTES = 1_000_000


def _folders(given: list[str]) -> list[Path]:
    if given:
        return [Path(f) for f in given]
    roots = [REPO / "knowledge" / "notices", REPO / "tests" / "fixtures" / "notices"]
    return [f for root in roots for f in sorted(root.iterdir()) if (f / "notice.txt").is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    from PIL import Image

    import_seconds = time.perf_counter() - started
    from bot import picture
    from handlers.card import build_card
    from handlers.clock import today
    from knowledge.base import build

    started = time.perf_counter()
    picture.font(picture.SIZE_TEXT)
    font_seconds = time.perf_counter() - started
    day = today()
    rows = []
    first = None
    for folder in _folders(args.folders):
        kb = build(folder)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            png = picture.render_card(build_card(kb, day))
            times.append(time.perf_counter() - started)
        first = times[0] if first is None else first
        size = Image.open(io.BytesIO(png)).size
        rows.append(
            {
                "notice": kb.key,
                "best_s": round(min(times), 3),
                "median_s": round(statistics.median(times), 3),
                "bytes": len(png),
                "width": size[0],
                "height": size[1],
            }
        )
    report = {
        "today": day.isoformat(),
        "runs": args.runs,
        "import_pil_s": round(import_seconds, 3),
        "font_s": round(font_seconds, 3),
        "first_render_s": round(first or 0, 3),
        "notices": rows,
        "met": all(r["median_s"] <= TARGET_SECONDS and r["bytes"] <= TARGET_BYTES for r in rows),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(
        f"today (Beijing) {report['today']}; {args.runs} renders each; import PIL {import_seconds:.3f} s; "
        f"font {font_seconds:.3f} s; first render {report['first_render_s']:.3f} s"
    )
    print(f"{'notice':<18} {'best':>7} {'median':>7} {'KB':>6}  size")
    for r in rows:
        print(
            f"{r['notice']:<18} {r['best_s']:>6.3f}s {r['median_s']:>6.3f}s {r['bytes'] // 1024:>6}  "
            f"{r['width']}x{r['height']}"
        )
    print(f"target: <= {TARGET_SECONDS:.0f} s and <= 1 MB each: {'met' if report['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
