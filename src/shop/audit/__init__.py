"""Audit log of every staff action: who, what, before/after, when, from where."""
