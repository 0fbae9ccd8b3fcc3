"""Open data (开放): the open catalog read by anyone, the public's requests (open-data demands, Longyan §19, and
applications for conditionally open data, Qingyuan ch.5) with their tracking, and the units' answers.

`rules` holds the eligibility, field and transition rules (no I/O), `commands` every change, `queries` every read,
`open_catalog` the public catalog and its downloads, `crypto` the encryption of applicants' personal data,
`captcha` the public forms' challenge."""

from services.opendata.commands import (
    PUBLIC,
    answer,
    assign,
    file_request,
    grant,
    submit,
    supplement,
    tracking_code,
)
from services.opendata.rules import Answer, AnswerInput, Grant, GrantInput, PublicRequestInput

__all__ = ["PUBLIC", "Answer", "AnswerInput", "Grant", "GrantInput", "PublicRequestInput", "answer", "assign",
           "file_request", "grant", "submit", "supplement", "tracking_code"]
