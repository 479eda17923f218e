"""Governance evidence: process measures about the service, computed from the records alone.

Every measure is a pure function of an ``Evidence`` set (the change records of PROTOCOL.md §1), a report
period and the organisation's pathways, so the desktop and the sync server compute the same figures
from the same functions. None of them is a judgement about a person: there is no risk score, level or
category here, only whether the service did what its own pathways and policies say, and when.
"""
