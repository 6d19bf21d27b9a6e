"""Windows and dialogs sized to what they show, within the screen: lists whose columns are not truncated, error
lines that wrap instead of running under the buttons.

GUI thread. A dialog sizes itself once when opened; a message set later may need more height than the layout
gave it (a word-wrapped QLabel's height depends on its width, which a form layout does not ask again), so
`show_message` grows the dialog to the height its layout needs at its width.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QTreeWidget, QWidget


def tree_width(tree: QTreeWidget) -> int:
    """The width that shows every column of `tree` whole (after resizeColumnToContents), with its frame and a
    vertical scroll bar."""
    columns = sum(tree.columnWidth(c) for c in range(tree.columnCount()))
    return columns + 2 * tree.frameWidth() + tree.verticalScrollBar().sizeHint().width() + 4


def list_width(view: QAbstractItemView) -> int:
    """The width that shows the longest row of a list whole."""
    return view.sizeHintForColumn(0) + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width() + 4


def screen_width(widget: QWidget) -> int:
    """The width a window of `widget` may take: its screen's, less a margin."""
    screen = widget.screen() or QApplication.primaryScreen()
    return screen.availableGeometry().width() - 40 if screen is not None else 1280


def fitted_width(widget: QWidget, content: int, least: int) -> int:
    """A window width of at least `least` that shows `content` pixels of its widest part, within the screen."""
    return max(least, min(content + 60, screen_width(widget)))


def show_message(label: QLabel, text: str) -> None:
    """Set a (word-wrapped) message in a dialog and grow the dialog, if needed, so that the whole text shows and
    nothing below it (the buttons) is overlapped."""
    label.setText(text)
    window = label.window()
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else -1
    needed = max(needed, layout.totalMinimumSize().height())
    if needed > window.height():
        window.resize(window.width(), needed)


def whole_placeholder(field: QLineEdit) -> QLineEdit:
    """A field at least as wide as its placeholder (the hint that says what to type, e.g. that a reason is
    required), so the hint is never cut off."""
    text_margins = field.textMargins().left() + field.textMargins().right()
    field.setMinimumWidth(field.fontMetrics().horizontalAdvance(field.placeholderText()) + text_margins + 16)
    return field


def show_rows(view: QAbstractItemView, rows: int) -> None:
    """Keep room for `rows` rows of a list or table (with its header), however its window is split."""
    row = view.sizeHintForRow(0) if view.model().rowCount() else view.fontMetrics().height() + 4
    header = view.header().sizeHint().height() if isinstance(view, QTreeWidget) else 0
    scroll = view.horizontalScrollBar().sizeHint().height()
    view.setMinimumHeight(header + rows * row + 2 * view.frameWidth() + scroll)


def fit_in_screen(window: QWidget, width: int, height: int) -> None:
    """Resize `window` to `width` x `height`, or to its screen's available area if that is smaller."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width()), min(height, area.height() - 30)  # 30: the title bar
    window.resize(width, height)
