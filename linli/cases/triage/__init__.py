"""Triage of free text into the case category tree: keyword rules plus a small classifier.

Public entry point: `linli.cases.triage.service.triage(text) -> TriageResult`.
"""
