"""Explaining records and catching drift: the record inspector and the reconciliation."""
