"""Failure triage: which kind of problem a failed test shows, with evidence."""

from testhub.triage.classify import FailureClass, Triage, classify

__all__ = ["FailureClass", "Triage", "classify"]
