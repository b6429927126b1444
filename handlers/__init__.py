"""Question in, Answer with citations out. No Telegram types here."""
from .context import Context
from .kb import reload_knowledge
from .model import Answer, Citation
from .router import answer_question

__all__ = ["Answer", "Citation", "Context", "answer_question", "reload_knowledge"]
