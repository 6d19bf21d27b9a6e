"""Qt-free storage: the SQLite schema and its migrations, the writer thread, paths in the user data directory."""
