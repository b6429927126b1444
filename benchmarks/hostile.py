"""10,000 generated hostile lines through `python -m bot --jsonl`: crashes, lines out, exponents, tracebacks.

    python benchmarks/hostile.py [--count 10000] [--seed 12] [--json]

The lines are built from a fixed seed: huge and odd numbers before 亿/万/家/%, Chinese numerals, dates that do
not exist, control and zero-width characters, emoji, markup, long repeats and bytes that are not UTF-8, mixed
into questions about the notice. One process answers them all, as a client would pipe them.

It counts, from that one run:
- crashes: the process ended with a non-zero status or before the last line was answered;
- missing or extra lines, lines that are not a JSON object with the contract's fields, and lines out of order;
- answers with a number in scientific notation ("5.5e+28", "1E+25"), and a traceback anywhere on stderr;
- guarded failures: lines answered with the polite `intent: "error"` reply because answering raised.

Target (issue 12): 0 crashes, exactly one valid JSON line per input in order, no exponent, no traceback.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIELDS = ["question", "notice", "answered", "intent", "answer", "citations", "confidence"]
EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d")

_UNITS = ["亿", "万", "千万", "百万", "家", "个企业", "户", "份", "项", "个项目", "%", "元", "万元"]
_UNITS += [" million", " billion"]
_TEMPLATES = [
    "{n}{u}的{p}%是多少",
    "拿{p}%做平台可以吗",
    "{n}{u}里最少多少用于改造",
    "我们有{n}家企业,够吗",
    "计划改造{n}家,其中{p}%是专精特新",
    "成立{n}年可以申报吗",
    "{y}年{m}月{d}日还能申报吗",
    "{m}月{d}号截止了吗",
    "奖补{n}{u}够不够",
    "申请{n}{u}用于买服务器可以吗",
    "{n}",
    "{n}{u}",
    "What if we get {n} million and spend {p}% on platforms?",
    "{noise}",
    "{noise}申报截止时间{noise}",
    "@bot {n}{u}的{p}%?{noise}",
]
_NOISE = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u200b",
    "\x85",
    "\u2028",
    "\u200d",
    "\u202e",
    "\ufeff",
    "\ufffd",
    "😀",
    "👍🏽",
    "🇨🇳",
    "e\u0301\u0301\u0301",
    "<b>",
    "</a>",
    "&amp;",
    "'; DROP TABLE questions; --",
    "${jndi:x}",
    "%s%s%n",
    "{0}",
    "\\u0000",
    "ＡＢＣ１２３",
    "臺灣繁體",
    "   ",
    "\t",
    "？？？",
    "。。。",
]


def _number(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return "1" + "0" * rng.choice([25, 100, 308, 309, 400, 1000])  # past a float's range
    if kind == 1:
        return str(rng.randrange(10**30))
    if kind == 2:
        return f"{rng.randrange(10**6)}.{rng.randrange(10**12)}"
    if kind == 3:
        numeral = rng.choice(["零", "一", "两", "十", "百", "千", "五千万", "四百八", "两千五", "九十九", "一百零一"])
        return numeral * rng.randint(1, 40)
    if kind == 4:
        return rng.choice(["-5", "-0", "0", "00000", "0.0000001", "1e309", "1E5", "inf", "nan", "NaN", "Infinity"])
    if kind == 5:
        return "１２３４５６７８９０"[: rng.randint(1, 10)]  # full-width digits
    if kind == 6:
        return "9" * rng.randint(1, 5000)
    if kind == 7:
        return ".".join(str(rng.randrange(100)) for _ in range(rng.randint(2, 5)))
    return str(rng.randint(0, 200))


def _noise(rng: random.Random) -> str:
    pieces = [rng.choice(_NOISE) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.1:
        pieces.append(rng.choice(["申报", "亿", "的", "%", "家"]) * rng.randint(100, 3000))
    if rng.random() < 0.2:
        pieces.append("".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 50))))
    return "".join(pieces)


def _line(rng: random.Random) -> bytes:
    template = rng.choice(_TEMPLATES)
    text = template.format(
        n=_number(rng),
        u=rng.choice(_UNITS),
        p=_number(rng),
        y=_number(rng),
        m=_number(rng),
        d=_number(rng),
        noise=_noise(rng),
    )
    data = text.encode("utf-8")
    if rng.random() < 0.05:  # bytes that are no UTF-8 at all: a lone continuation byte, a cut sequence
        cut = rng.randrange(len(data) + 1)
        data = data[:cut] + rng.choice([b"\x80", b"\xff\xfe", b"\xe4\xb8", b"\xed\xa0\x80"]) + data[cut:]
    # A line is a line: the reader splits on \n and \r, so neither may sit inside one.
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


def generate(count: int, seed: int = 12) -> list[bytes]:
    """count hostile input lines (bytes, without the newline), the same for the same seed."""
    rng = random.Random(seed)
    return [_line(rng) for _ in range(count)]


def run(count: int, seed: int) -> dict:
    lines = generate(count, seed)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--jsonl"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        cwd=REPO,
        timeout=3600,
    )
    elapsed = time.perf_counter() - started
    out = proc.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    expected = [line.decode("utf-8", "replace") for line in lines]
    invalid = out_of_order = exponents = guarded = 0
    for index, raw in enumerate(out):
        try:
            row = json.loads(raw)
        except ValueError:
            invalid += 1
            continue
        if not isinstance(row, dict) or list(row) != FIELDS:
            invalid += 1
            continue
        if index >= len(expected) or row["question"] != expected[index]:
            out_of_order += 1
        if EXPONENT.search(row["answer"]) and not EXPONENT.search(row["question"]):
            exponents += 1
        if row["intent"] == "error":
            guarded += 1
    stderr = proc.stderr.decode("utf-8", "replace")
    return {
        "inputs": count,
        "seed": seed,
        "exit_status": proc.returncode,
        "crashes": int(proc.returncode != 0 or len(out) < count),
        "lines_out": len(out),
        "invalid_json": invalid,
        "out_of_order": out_of_order,
        "exponent_answers": exponents,
        "tracebacks": stderr.count("Traceback"),
        "guarded_failures": guarded,
        "seconds": round(elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.count, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:18} {value}")
    ok = (
        result["crashes"] == 0
        and result["lines_out"] == args.count
        and not (result["invalid_json"] or result["out_of_order"] or result["exponent_answers"])
        and not result["tracebacks"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
