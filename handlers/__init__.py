"""Question in, Answer with citations out. No Telegram types here."""
