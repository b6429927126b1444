"""The notices as citable clauses, their index and their structured facts (no Telegram, no handlers)."""
