"""Per-conversation follow-up state: what was just discussed, so "那规下企业呢?" has a referent."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Context:
    """The last answered question of a chat; front ends keep one per chat, JSONL keeps none."""

    question: str | None = None
    intent: str | None = None
    topic: str | None = None
    clause_id: str | None = None
    notice: str | None = None  # the key of the notice the last answer came from (handlers/routing.py)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Context":
        """Rebuild from stored state, ignoring keys this version does not know."""
        data = data or {}
        return cls(**{k: data.get(k) for k in ("question", "intent", "topic", "clause_id", "notice")})

    def remember(self, question: str, intent: str, topic: str | None, clause_id: str | None) -> None:
        self.question, self.intent, self.topic, self.clause_id = question, intent, topic, clause_id
