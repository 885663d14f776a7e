"""rota-tray: the desktop tray client (see README.md beside this file)."""
