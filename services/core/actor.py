"""The acting user as services see it: identity, unit, region scope and roles, loaded once per sign-in."""

from __future__ import annotations

from dataclasses import dataclass, field

SYSTEM_ROLE = "system"  # in-process only (CLI bootstrap, seeding); never stored or grantable


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    unit_id: int | None
    region_id: int | None
    roles: frozenset[str]
    # The actor's own region and every region below it (a city user's region scope includes its counties).
    region_ids: frozenset[int] = field(default_factory=frozenset)
    language: str = "zh_CN"
    unit_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_system(self) -> bool:
        return SYSTEM_ROLE in self.roles

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, username=label, display_name=label, unit_id=None, region_id=None,
                   roles=frozenset({SYSTEM_ROLE}))
