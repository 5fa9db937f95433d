"""The live workshop: a session's answers, saved as they are given, scored live, and the
Voila page (:class:`Workshop`)."""

from assessment.workshop.app import Workshop

__all__ = ["Workshop"]
