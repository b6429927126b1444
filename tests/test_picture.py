"""The pictures as PNG: the card of every notice and the /stats chart decode, within Telegram's limits and
the card's own (about 1080 px wide, at most 1 MB), and a render is kept by the hash of what it shows."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot import picture
from bot.store import Store
from handlers.card import build_card
from knowledge.base import build, shipped
from knowledge.loader import NOTICES_DIR

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "notices"
TODAY = dt.date(2024, 8, 10)
FOLDERS = sorted(NOTICES_DIR.iterdir()) + [FIXTURES / "fic-qyzn-2025", FIXTURES / "fic-dierpi-2024"]


def _decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or broken file fails here
    return image


@pytest.mark.parametrize("folder", [f for f in FOLDERS if (f / "notice.txt").is_file()], ids=lambda f: f.name)
def test_the_card_of_each_notice_is_a_png_a_phone_can_show(folder):
    kb = shipped() if folder.parent == NOTICES_DIR and folder.name == shipped().key else build(folder)
    key, png = picture.card_picture(kb, TODAY)
    image = _decoded(png)
    assert image.format == "PNG" and image.width == picture.WIDTH == 1080
    assert len(png) <= picture.MAX_BYTES
    assert image.height + image.width <= 10_000 and image.height / image.width <= 20  # Telegram's photo limits
    assert len(key) == 32


def test_the_card_is_drawn_in_colour_with_the_header_band_on_top():
    image = _decoded(picture.card_picture(shipped(), TODAY)[1]).convert("RGB")

    def near(pixel, colour):  # the palette of the PNG holds each flat colour to within a few levels
        return all(abs(a - b) <= 8 for a, b in zip(pixel, colour, strict=True))

    assert near(image.getpixel((5, 5)), picture.BAND)  # the band behind the title
    assert near(image.getpixel((5, image.height - 5)), picture.PAPER)


def test_a_render_is_cached_by_what_it_shows_and_a_new_day_draws_anew():
    kb = build(FIXTURES / "fic-qyzn-2025")
    first_key, first = picture.card_picture(kb, TODAY)
    again_key, again = picture.card_picture(kb, TODAY)
    assert again_key == first_key and again is first  # the very bytes of the cache
    next_key, _ = picture.card_picture(kb, TODAY + dt.timedelta(days=1))
    assert next_key != first_key  # "还剩N天" changed, so the picture did
    assert picture.digest(build_card(kb, TODAY)) == first_key


def test_wrapping_keeps_latin_runs_whole_and_punctuation_off_the_line_start():
    face = picture.font(30)
    text = "请将材料发送至邮箱:shuzifuneng@jxj.beijing.gov.cn,邮件标题请备注“XX区数字化转型城市试点”。"
    lines = picture.wrap(text, face, 600)
    assert "".join(lines) == text
    assert len(lines) > 1 and all(face.getlength(line) <= 600 for line in lines)
    assert not any(line[0] in ",。:”" for line in lines)
    assert any("shuzifuneng@jxj.beijing.gov.cn" in line for line in lines)


def test_the_stats_chart_decodes_with_thirty_days_of_bars(tmp_path):
    store = Store(tmp_path / "q.sqlite3", salt="test-salt")
    now = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in Beijing
    for days_ago, answered in [(0, True), (0, False), (3, True), (40, True)]:
        ts = (now - dt.timedelta(days=days_ago)).timestamp()
        store.log_question(1, "截止时间?", intent="deadline", answered=answered, ts=ts)
    daily = store.daily(30, now=now)
    assert len(daily) == 30 and daily[-1] == (dt.date(2026, 12, 2), 2, 1) and daily[-4][1:] == (1, 1)
    assert sum(n for _, n, _ in daily) == 3  # the question of 40 days ago is outside the chart
    stats = store.stats(now=now)
    chart = picture.ChartData(daily, stats.answered_share, [("截止时间", 4)], 2, 1)
    image = _decoded(picture.render_chart(chart))
    assert image.width == picture.WIDTH and image.height <= 1200
    store.close()


def test_a_day_in_beijing_starts_at_midnight_there_not_in_utc(tmp_path):
    store = Store(tmp_path / "q.sqlite3", salt="test-salt")
    late = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.timezone.utc)  # 00:30 on 12-02 in Beijing
    store.log_question(1, "资金?", intent="funding", answered=True, ts=late.timestamp())
    assert store.daily(2, now=late)[-1] == (dt.date(2026, 12, 2), 1, 1)
    store.close()


def test_the_command_line_writes_the_picture_of_a_notice(tmp_path):
    out = tmp_path / "card.png"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "picture", "--notice", shipped().key, "-o", str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert _decoded(out.read_bytes()).width == picture.WIDTH


def test_the_command_line_says_why_it_cannot_draw_an_unknown_notice(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "picture", "--notice", "no-such-notice", "-o", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2 and "no-such-notice" in result.stderr
    assert not (tmp_path / "x.png").exists()
