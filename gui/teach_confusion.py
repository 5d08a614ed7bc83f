"""The Teach dialog's confusion table of the held-out clips, sized to its cells."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

MAX_ROWS_SHOWN = 8  # more actions than this scroll


def fill_confusion_table(table: QTableWidget, names: list[str], confusion: list[list[int]]) -> None:
    """Rows: the true action, columns: what the model said; the table is sized to its cells so
    that every count shows without scrolling (it was clipped at the dialog's default size)."""
    table.setRowCount(len(names))
    table.setColumnCount(len(names))
    table.setVerticalHeaderLabels(names)
    table.setHorizontalHeaderLabels(names)
    for i, row in enumerate(confusion):
        for j, n in enumerate(row):
            cell = QTableWidgetItem(str(n))
            cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
            table.setItem(i, j, cell)
    table.resizeColumnsToContents()
    table.resizeRowsToContents()
    frame = 2 * table.frameWidth()
    rows = min(table.rowCount(), MAX_ROWS_SHOWN)
    height = table.horizontalHeader().sizeHint().height() + sum(table.rowHeight(i) for i in range(rows)) + frame
    width = table.verticalHeader().sizeHint().width() + sum(table.columnWidth(j) for j in range(table.columnCount()))
    table.setFixedHeight(height)
    table.setFixedWidth(min(width + frame, 420))
