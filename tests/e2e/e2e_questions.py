"""Questions the end-to-end tests and the latency benchmark ask, with a fact of the notice each answer
must carry (issue 4's list: one per intent)."""
from __future__ import annotations

INTENT_QUESTIONS: dict[str, tuple[str, str]] = {
    "deadline": ("申报截止时间是什么时候?", "7月10日"),
    "funding": ("这次试点的奖补资金总额是多少?", "1亿元"),
    "eligibility": ("已经获得中央财政资金支持的专精特新小巨人企业还能被支持吗?", "小巨人"),
    "requirement": ("试点区被改造的中小企业至少要有多少家?", "500家"),
    "process": ("市级评审的流程是怎样的,要现场答辩吗?", "答辩"),
    "materials": ("申报需要提交哪些材料?", "申报函"),
    "contact": ("申报材料发到哪个邮箱?", "shuzifuneng@jxj.beijing.gov.cn"),
}
