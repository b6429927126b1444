"""Front ends (console, JSONL, Telegram), storage and configuration."""
