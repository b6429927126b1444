"""End-to-end: a library of notices (issue 9) through the Bot API emulator. /notices sets the chat's notice
with a button, and a subscriber hears once of a notice that an admin's /reload brought in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_harness import Emulator, RestartableBot, TelegramClient, User

LIBRARY_TOKEN = "7000000021:E2E-library-bot-fake-secret"
REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "knowledge" / "notices" / "bj-szhzx-2023"
FIXTURES = REPO / "tests" / "fixtures" / "notices"
SECOND, LATER = "fic-dierpi-2024", "fic-qyzn-2025"


def _add(root: Path, key: str) -> None:
    (root / key).mkdir()
    shutil.copy(FIXTURES / key / "notice.txt", root / key / "notice.txt")


@pytest.fixture(scope="module")
def admin(emulator: Emulator) -> User:
    client = emulator.client(LIBRARY_TOKEN)
    try:
        return client.new_user("Admin")
    finally:
        client.close()


@pytest.fixture(scope="module")
def library_bot(
    emulator: Emulator, admin: User, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RestartableBot, Path]]:
    """A bot answering from its own folder of notices: the shipped one and the second-batch fixture."""
    data_dir = tmp_path_factory.mktemp("library-bot")
    root = data_dir / "notices"
    shutil.copytree(SHIPPED, root / SHIPPED.name)
    _add(root, SECOND)
    env = {"NOTICE_BOT_NOTICES": str(root), "NOTICE_BOT_NOTICE": SHIPPED.name, "ADMIN_IDS": str(admin.id)}
    bot = RestartableBot(emulator, LIBRARY_TOKEN, data_dir, env)
    bot.start()
    yield bot, root
    bot.close()


@pytest.fixture()
def ltg(library_bot: tuple[RestartableBot, Path]) -> TelegramClient:
    return library_bot[0].client


def test_notices_lists_the_library_and_a_button_sets_the_chats_notice(ltg: TelegramClient) -> None:
    user = ltg.new_user()
    chat = ltg.private_chat(user)
    ltg.send_text(user, chat, "/start")
    assert "2 份通知" in ltg.wait_replies(chat)[0].plain
    ltg.send_text(user, chat, "/notices")
    (listing,) = ltg.wait_replies(chat)
    labels = [b.text for b in listing.buttons]
    assert len(labels) == 2 and labels[0].startswith("✅")
    second = next(b for b in listing.buttons if "第二批" in b.text)
    ltg.press(user, listing, second)
    chosen = ltg.wait_replies(chat)
    assert any("已选定" in m.plain and "第二批" in m.plain for m in chosen)
    ltg.send_text(user, chat, "申报截止时间是哪天?")
    answer = ltg.wait_replies(chat)[0]
    assert "2024年8月15日" in answer.plain and "2023年7月10日" not in answer.plain
    assert "第二批" in answer.plain.splitlines()[0]  # the short title heads the answer


def test_a_subscriber_hears_once_of_a_notice_a_reload_added(
    ltg: TelegramClient, library_bot: tuple[RestartableBot, Path], admin: User
) -> None:
    _, root = library_bot
    subscriber = ltg.new_user("Sub")
    sub_chat = ltg.private_chat(subscriber)
    ltg.send_text(subscriber, sub_chat, "/subscribe")
    assert "已订阅" in ltg.wait_replies(sub_chat)[0].plain
    _add(root, LATER)
    admin_chat = ltg.private_chat(admin)
    ltg.send_text(admin, admin_chat, "/reload")
    ltg.wait_replies(admin_chat)
    news = ltg.wait_replies(sub_chat)
    assert len(news) == 1
    seen = news[0].plain
    assert "临江市工业和信息化局关于组织申报2025年度中小企业数字化改造专项补贴的通知" in seen
    assert "2025年5月31日" in seen and "50万元" in seen  # its deadline and its money
    ltg.send_text(admin, admin_chat, "/reload")  # nothing new
    ltg.wait_replies(admin_chat)
    assert ltg.wait_quiet(sub_chat) == []
    ltg.send_text(subscriber, sub_chat, "/unsubscribe")
    assert "已取消" in ltg.wait_replies(sub_chat)[0].plain
