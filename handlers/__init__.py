"""Question in, Answer with citations out. No Telegram types, no globals: the knowledge is passed in."""

from .context import Context
from .model import Answer, Citation
from .router import answer, answer_question

__all__ = ["Answer", "Citation", "Context", "answer", "answer_question"]
