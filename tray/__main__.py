"""`python -m tray`, the same as `rota-tray`; on Windows `pythonw -m tray` runs it without a
console window (for the Startup folder)."""

from tray.cli import main

main(prog_name="rota-tray")
