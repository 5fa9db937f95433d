"""The live workshop: a session's answers, saved as they are given, and the Voila app."""

from assessment.workshop.app import Workshop

__all__ = ["Workshop"]
