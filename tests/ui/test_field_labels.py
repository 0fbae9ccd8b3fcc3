"""Every field a service names in a ValidationError has a label as the forms read, so no message starts with
an internal name such as `legal_basis：`."""

from __future__ import annotations

import re
from pathlib import Path

from services.core.settings import ROOT
from ui.labels import FIELD_LABELS

_PATTERNS = (re.compile(r'ValidationError\(\{\s*"([a-z_]+)"'), re.compile(r'errors\["([a-z_]+)"\]'),
             re.compile(r'_require_text\(errors,\s*"([a-z_]+)"'))


def _service_fields() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in _PATTERNS:
            for name in pattern.findall(text):
                found.setdefault(name, str(Path(path).relative_to(ROOT)))
    return found


def test_every_validated_field_has_a_label():
    fields = _service_fields()
    assert len(fields) > 30
    missing = {name: where for name, where in fields.items() if name not in FIELD_LABELS}
    assert not missing, missing


def test_an_unknown_field_is_never_shown_by_its_internal_name():
    from services.core import i18n
    from ui.session import field_label

    before = i18n.current_language()
    i18n.set_language("zh_CN")
    try:
        assert field_label("no_such_field") == "此项"
    finally:
        i18n.set_language(before)
