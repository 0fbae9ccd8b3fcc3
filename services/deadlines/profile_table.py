"""What each shipped policy profile does, as one Markdown table per section, generated from the profile files.

`docs/policy-profiles.md` is this module's output (`python -m services.deadlines.profile_table > docs/policy-profiles.md`);
tests/services/test_policy.py fails when the two differ, so the document cannot drift from the files."""

from __future__ import annotations

from models.clock import ClockStep
from services.core.i18n import gettext as _
from services.core.i18n import set_language
from services.deadlines.policy import (
    RULE_LABELS,
    STEP_LABELS,
    Profile,
    rule_value_text,
    shipped_profiles,
)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _source(article: str | None) -> str:
    return f" ({_cell(article)})" if article else ""


def _table(profiles: list[Profile], rows: list[tuple[str, list[str]]]) -> list[str]:
    lines = ["| | " + " | ".join(p.name for p in profiles) + " |", "|---" * (len(profiles) + 1) + "|"]
    lines += [f"| {_cell(label)} | " + " | ".join(cells) + " |" for label, cells in rows]
    return lines


def profiles_markdown() -> str:
    """The behaviour table in English with the regulations' own Chinese names and articles."""
    set_language("en")
    profiles = list(shipped_profiles().values())
    out = ["# Policy profiles: what each one does", "",
           "Generated from `data/policies/*.toml` by `python -m services.deadlines.profile_table`; a test fails when "
           "this file and the profiles differ. A step without a number has no statutory deadline: its clock is "
           "tracked by age. Articles in brackets. * no regulation sets the number: the product's default, which a "
           "profile or an override may change.", "",
           "| profile | regulation | jurisdiction |", "|---|---|---|"]
    out += [f"| {p.name} | {_cell(p.title_zh)} | {_cell(p.jurisdiction)} |" for p in profiles]
    out += ["", "## Deadlines (working days)", ""]
    steps = []
    for step, msgid in STEP_LABELS.items():
        cells = []
        for p in profiles:
            rule = p.steps.get(str(step))
            days = "—" if rule is None or rule.workdays is None else str(rule.workdays)
            if step == ClockStep.ASSESSMENT_REVIEW and days == "—":  # no regulation sets it: the product's default
                days = f"{p.step_days(step)} *"
            cells.append(days + _source(rule.article if rule else None))
        steps.append((_(msgid), cells))
    out += _table(profiles, steps)
    out += ["", "## Names of the share types and open attributes", ""]
    names = [(code, [p.share_type_name(code) + _source(p.share_types[code].article if code in p.share_types else None)
                     for p in profiles]) for code in ("unconditional", "conditional", "not_shared")]
    names += [(code, [p.open_attribute_name(code)
                      + _source(p.open_attributes[code].article if code in p.open_attributes else None)
                      for p in profiles]) for code in ("open", "conditional", "not_open")]
    out += _table(profiles, [(f"`{code}`", cells) for code, cells in names])
    out += ["", "## Rules", ""]
    keys = list(dict.fromkeys(k for p in profiles for k in p.rules))
    rules = []
    for key in keys:
        cells = []
        for p in profiles:
            rule = p.rules.get(key)
            value = rule.value if rule is not None else None
            cells.append(_cell(rule_value_text(key, value)) + _source(rule.article if rule else None))
        rules.append((_(RULE_LABELS.get(key, key)), cells))
    out += _table(profiles, rules)
    set_language("zh_CN")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(profiles_markdown(), end="")
