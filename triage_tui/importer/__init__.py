"""Batch import of cases from spreadsheets (CSV, or the first sheet of an XLSX workbook)."""
