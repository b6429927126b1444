"""The bot's embedded SQLite store: questions asked, 👍/👎 feedback, handled updates and conversation state.

- `database`: the connection, the schema migrations, the chat-id key and the key-value rows of the persistence;
- `log`: the question log and its statistics (`Store`);
- `report`: alike problem questions grouped, and the CSV export.
"""

from .database import (
    DB_ENV,
    DEFAULT_DB_PATH,
    HANDLED_UPDATES_DAYS,
    MIGRATIONS,
    SALT_ENV,
    SALT_FILE,
    SCHEMA_VERSION,
    Database,
    StoreError,
    clean_text,
    default_db_path,
    salt_file_path,
)
from .log import BEIJING, Stats, Store, beijing_day_start, beijing_week_start
from .report import (
    GROUP_THRESHOLD,
    REASON_DOWNVOTED,
    REASON_UNANSWERED,
    ProblemQuestion,
    QuestionGroup,
    group_similar,
    groups_to_csv,
    normalise_question,
)

__all__ = [
    "BEIJING",
    "DB_ENV",
    "DEFAULT_DB_PATH",
    "GROUP_THRESHOLD",
    "HANDLED_UPDATES_DAYS",
    "MIGRATIONS",
    "REASON_DOWNVOTED",
    "REASON_UNANSWERED",
    "SALT_ENV",
    "SALT_FILE",
    "SCHEMA_VERSION",
    "Database",
    "ProblemQuestion",
    "QuestionGroup",
    "Stats",
    "Store",
    "StoreError",
    "beijing_day_start",
    "beijing_week_start",
    "clean_text",
    "default_db_path",
    "group_similar",
    "groups_to_csv",
    "normalise_question",
    "salt_file_path",
]
