"""PySide6 + pyqtgraph views. Only this package imports Qt; it talks to the services through signals."""
