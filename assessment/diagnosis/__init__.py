"""Diagnosis: verdicts per lens, findings and their ranking, customer integration fit."""
