"""The Telegram front end: the application, its handlers, rendering, persistence and flood control."""
