"""Corrections (纠错 / 异议 / 校核, RULES.md §5): reports of wrong data by consumer units and by the public (a
page without sign-in that returns a tracking code), verification by the source unit within the profile's working
days, questions that pause the clock, one extension approved by the unit's head (Yunyang §23), and the answer.

`rules` holds inputs, checks and the actions open now (no I/O), `commands` every change, `queries` every read
(including the public tracking view), `evidence` the attached files, stored encrypted."""

from services.corrections.commands import (
    answer,
    ask_reporter,
    extend,
    file_correction,
    file_public_correction,
    resume_verification,
)
from services.corrections.rules import AnswerInput, CorrectionInput, PublicCorrectionInput

__all__ = [
    "AnswerInput", "CorrectionInput", "PublicCorrectionInput", "answer", "ask_reporter", "extend",
    "file_correction", "file_public_correction", "resume_verification",
]
