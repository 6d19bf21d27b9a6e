"""User and device text shown as text, never interpreted as Qt rich text.

QLabel, QMessageBox and tooltips guess the format: a string that looks like HTML (Qt.mightBeRichText), or any
label the program fills with its own <b>…</b>, is rendered as HTML, so allergies `codeine <severe rash>` lose their
detail and a note `<img src=…>` loads an image. Labels that show such text are plain; where the program formats its
own words in HTML, the user's or device's parts go through html.escape; tooltips and message boxes, which cannot be
told their format, get `literal`.
"""

from __future__ import annotations

from PySide6.QtGui import Qt  # QtGui's Qt namespace: it adds mightBeRichText and convertFromPlainText
from PySide6.QtWidgets import QLabel


def plain(label: QLabel) -> QLabel:
    """The label, set to show its text exactly as given (whatever it will be set to later)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def literal(text: str) -> str:
    """Text for a tooltip or message box that shows literally: Qt's own plain→HTML conversion when Qt would
    otherwise take it for HTML, unchanged (so laid out as before) when it would not."""
    return Qt.convertFromPlainText(text) if Qt.mightBeRichText(text) else text
