"""Every state change of a case. Views, the API, Open311, WeChat, tasks and admin call these."""

from linli.cases.actions.common import CaseError
from linli.cases.actions.feedback import case_by_follow_up_code, give_feedback
from linli.cases.actions.handling import (
    accept_case,
    add_note,
    close_case,
    escalate_case,
    mark_duplicate,
    merge_into,
    reject_case,
    reopen_case,
    resolve_case,
    resume_case,
    start_case,
    suspend_case,
)
from linli.cases.actions.human_triage import triage_case
from linli.cases.actions.intake import Intake, Submitted, submit_case
from linli.cases.actions.mediation import record_mediation_outcome, schedule_mediation
from linli.cases.actions.photos import add_photos
from linli.cases.actions.sweep import escalate_due, warn_due
from linli.cases.actions.workorders import (
    accept_work_order,
    complete_work_order,
    return_work_order,
    send_work_order,
    transfer_work_order,
)

__all__ = [
    "CaseError",
    "Intake",
    "Submitted",
    "accept_case",
    "accept_work_order",
    "add_note",
    "add_photos",
    "case_by_follow_up_code",
    "close_case",
    "complete_work_order",
    "escalate_case",
    "escalate_due",
    "give_feedback",
    "mark_duplicate",
    "merge_into",
    "record_mediation_outcome",
    "reject_case",
    "reopen_case",
    "resolve_case",
    "resume_case",
    "return_work_order",
    "schedule_mediation",
    "send_work_order",
    "start_case",
    "submit_case",
    "suspend_case",
    "transfer_work_order",
    "triage_case",
    "warn_due",
]
