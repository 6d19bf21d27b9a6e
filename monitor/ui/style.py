"""Updating labels that a 1 Hz timer refreshes."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def show(label: QLabel, text: str, style: str) -> None:
    """Set text and style only when they change: re-applying a style sheet re-polishes the widget every time."""
    if label.text() != text:
        label.setText(text)
    if label.styleSheet() != style:
        label.setStyleSheet(style)
