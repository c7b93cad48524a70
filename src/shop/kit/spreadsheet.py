"""Cells of CSV files that staff open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return before one) is run as
a formula by Excel, LibreOffice and Google Sheets; a customer-chosen value such as an email
address `=HYPERLINK(...)@example.com` would then run on the merchant's machine (OWASP "CSV
injection"). Such cells get a leading apostrophe, which spreadsheets show as plain text."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain_text_cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
