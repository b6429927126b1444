"""How the library grows: cold start, latency per question and peak memory with N generated notices.

    python benchmarks/scale.py [--sizes 1 10 50 200] [--runs 3] [--questions 60]

For each N, a folder of N notices is generated from the shipped notice and the fixture notices (notice.txt
alone), each under a place name of its own, so titles, issuers and places differ while the structure is
that of real notices. Then, with the knowledge cache off (NOTICE_BOT_CACHE=off) and on (a folder of its own,
warmed by one untimed run):

- cold start: wall time of `python -m bot ask "<question naming one notice>"` from start to exit, best and
  median of --runs, with NOTICE_BOT_NOTICES pointing at the folder;
- latency: in a child process, questions that name a random notice (a fixed seed) and questions that name
  none, answered by handlers.routing.answer_in_library after one warm-up pass; nearest-rank p50 / p99;
- start-up: in that child, Library(root).validate(), what the Telegram process does before its first reply
  (every notice checked: built, or found in the cache; the default kept built);
- peak RSS of that child (its own ru_maxrss) after start-up and answering (at most
  knowledge.library.MAX_BUILT notices are kept built).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TEMPLATES = [REPO / "knowledge" / "notices" / "bj-szhzx-2023"] + sorted(
    p.parent for p in (REPO / "tests" / "fixtures" / "notices").glob("*/notice.txt")
)
# The place each template is issued in, replaced by a generated one.
TEMPLATE_PLACES = ("北京", "临江", "河川")
SYLLABLES = "安平宁远清和江山川阳华兴盛德昌泰嘉永新丰康乐云松桂"
QUESTIONS = ("申报截止时间是哪天?", "最多能拿多少补贴?", "要交哪些材料?", "联系电话是多少?", "谁可以申报?")


def place_name(i: int) -> str:
    """A made-up two-character place name, one per index."""
    n = len(SYLLABLES)
    return SYLLABLES[i % n] + SYLLABLES[(i // n + 7) % n]


def generate(root: Path, count: int) -> list[tuple[str, str]]:
    """count notices under root: (key, place) each."""
    made = []
    for i in range(count):
        template = TEMPLATES[i % len(TEMPLATES)]
        text = (template / "notice.txt").read_text(encoding="utf-8")
        place = place_name(i)
        text = re.sub("|".join(TEMPLATE_PLACES), place, text)
        key = f"gen-{i:03d}"
        (root / key).mkdir(parents=True)
        (root / key / "notice.txt").write_text(text, encoding="utf-8")
        made.append((key, place))
    return made


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(share * len(ordered) + 0.999999) - 1))]


def child(root: Path, count: int, questions: int) -> dict:
    """In this process: answer questions across the library; latency and peak memory."""
    import resource

    from handlers.routing import answer_in_library
    from knowledge.library import Library

    started = time.perf_counter()
    library = Library(root).validate()  # what the Telegram process does at start-up
    ready = time.perf_counter() - started
    rng = random.Random(9)
    places = [place_name(i) for i in range(count)]
    asked = [f"{rng.choice(places)}市的通知,{rng.choice(QUESTIONS)}" for _ in range(questions)]
    asked += [rng.choice(QUESTIONS) for _ in range(questions // 3)]  # naming none: the best fit answers
    first: list[float] = []
    for q in asked:  # the first pass builds (or loads) each notice a question goes to
        t0 = time.perf_counter()
        answer_in_library(q, library=library)
        first.append((time.perf_counter() - t0) * 1000)
    times: list[float] = []
    for q in asked:
        t0 = time.perf_counter()
        answer_in_library(q, library=library)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "ready_s": ready,
        "first_p50_ms": nearest_rank(first, 0.5),
        "first_p99_ms": nearest_rank(first, 0.99),
        "p50_ms": nearest_rank(times, 0.5),
        "p99_ms": nearest_rank(times, 0.99),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "questions": len(asked),
    }


def cold_start(env: dict, question: str, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", question], env=env, cwd=REPO, capture_output=True, check=True
        )
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1, 10, 50, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), int(args.child[1]), args.questions)))
        return 0
    print(
        f"{'N':>4} {'cache':>5} {'cold best':>10} {'median':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'1st p99':>8} {'RSS MB':>7} {'start-up':>9}"
    )
    for count in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root, cache = Path(tmp) / "notices", Path(tmp) / "cache"
            made = generate(root, count)
            base = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "NOTICE_BOT_CACHE")}
            base.update(NOTICE_BOT_NOTICES=str(root), NOTICE_BOT_NOTICE=made[0][0])
            question = f"{made[-1][1]}市的通知,申报截止时间是哪天?"
            for cached in (False, True):
                env = dict(base, NOTICE_BOT_CACHE=str(cache) if cached else "off")  # the cache is on by default
                if cached:  # warm the cache once, untimed, as the first start after a change does
                    cmd = [sys.executable, __file__, "--child", str(root), str(count), "--questions", "1"]
                    subprocess.run(cmd, env=env, check=True, capture_output=True)
                    subprocess.run(
                        [sys.executable, "-m", "bot", "ask", question],
                        env=env,
                        cwd=REPO,
                        capture_output=True,
                        check=True,
                    )
                best, median = cold_start(env, question, args.runs)
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(root), str(count), "--questions", str(args.questions)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                m = json.loads(out.stdout)
                print(
                    f"{count:>4} {'on' if cached else 'off':>5} {best:>9.3f}s {median:>7.3f}s {m['p50_ms']:>7.2f} "
                    f"{m['p99_ms']:>7.2f} {m['first_p99_ms']:>8.1f} {m['rss_mb']:>7.1f} {m['ready_s']:>8.2f}s",
                    flush=True,
                )
            shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
