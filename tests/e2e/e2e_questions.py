"""Questions the end-to-end tests and the latency benchmark ask, with a fact of the notice each answer
must carry (issue 4's list: one per intent)."""

from __future__ import annotations

from pathlib import Path

NOTICE_FOLDER = Path(__file__).resolve().parents[2] / "knowledge" / "notices" / "bj-szhzx-2023"

INTENT_QUESTIONS: dict[str, tuple[str, str]] = {
    "deadline": ("申报截止时间是什么时候?", "7月10日"),
    "funding": ("这次试点的奖补资金总额是多少?", "1亿元"),
    "eligibility": ("已经获得中央财政资金支持的专精特新小巨人企业还能被支持吗?", "小巨人"),
    "requirement": ("试点区被改造的中小企业至少要有多少家?", "500家"),
    "process": ("市级评审的流程是怎样的,要现场答辩吗?", "答辩"),
    "materials": ("申报需要提交哪些材料?", "申报函"),
    "contact": ("申报材料发到哪个邮箱?", "shuzifuneng@jxj.beijing.gov.cn"),
}


def notice_questions() -> list[str]:
    """Every question of the notice's curated FAQ and its evaluation set, FAQ first, without repeats:
    what real users ask, for bursts and load runs."""
    import yaml

    questions: list[str] = []
    for name in ("faq.yaml", "eval.yaml"):
        for item in yaml.safe_load((NOTICE_FOLDER / name).read_text(encoding="utf-8")) or []:
            question = str(item.get("q") or "").strip()
            if question and question not in questions:
                questions.append(question)
    return questions
