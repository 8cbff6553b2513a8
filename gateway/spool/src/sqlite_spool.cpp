// SQLite spool backend.
