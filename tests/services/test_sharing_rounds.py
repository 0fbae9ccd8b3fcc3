"""A co-decided request shows which party has answered and which one it still waits for."""

from __future__ import annotations

from services.sharing.rules import round_answers


def test_the_provider_answered_and_the_bureau_is_awaited():
    decisions = [{"party": "provider", "round": 1, "decision": "approve"},
                 {"party": "bureau", "round": 0, "decision": "needs_info"}]  # an earlier round does not count
    assert round_answers("bureau_co", decisions, 1) == ({"provider"}, {"bureau"})
    assert round_answers("bureau_co", decisions, 2) == (set(), {"provider", "bureau"})
    assert round_answers("provider", decisions[:1], 1) == ({"provider"}, set())
    assert round_answers("county", [{"party": "county", "round": 0, "decision": "approve"}], 0) == (
        {"county"}, {"provider"})
