"""Sharing test helpers: published entries of each share type, a profile switch and a standard application."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from models import DataItem, Notification, SlaClock
from models.clock import CaseKind
from services import sharing
from services.catalog import DataItemInput
from services.core.db import read_session
from services.deadlines import configuration
from tests.services.catalog_fixtures import published_entry


def at(day: date, hour: int = 10) -> datetime:
    """A moment on a local (Asia/Shanghai) date, as the UTC-aware `now` services take."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def use(world, profile: str) -> None:
    configuration.use_profile(world["secadmin"], profile, now=at(date(2025, 1, 2)))


def entry(world, unit_key: str = "police", share_type: str = "conditional", *, sensitive: bool = False,
          **overrides) -> int:
    items = [DataItemInput("公民身份号码", "string", 18, is_sensitive=sensitive), DataItemInput("姓名", "string", 50),
             DataItemInput("住址", "string", 200)]
    return published_entry(world, unit_key, share_type=share_type, data_items=items, **overrides)


def item_ids(entry_id: int) -> list[int]:
    with read_session() as session:
        return list(session.exec(select(DataItem.id).where(DataItem.entry_id == entry_id)
                                 .order_by(DataItem.position, DataItem.id)).all())


def application(entry_id: int, items: list[int], **overrides) -> sharing.ApplicationInput:
    values = dict(entry_id=entry_id, items=items, scenario="低保对象资格审核",
                  purpose="核对低保申请人的户籍和住址信息", legal_basis="《社会救助暂行办法》第十一条",
                  share_method="interface", end_date=date(2026, 12, 31))
    values.update(overrides)
    return sharing.ApplicationInput(**values)


def refusal(reason: str = "统计调查中获得的个人信息不得对外提供", *, law: str = "中华人民共和国统计法",
            article: str = "第二十五条") -> sharing.DecisionInput:
    """A refusal citing a law and its article, with the reasons (Shanghai §13)."""
    return sharing.DecisionInput("reject", reason=reason, basis_law=law, basis_article=article)


def clocks_of(request_id: int, case_kind: str = CaseKind.SHARE_REQUEST) -> list[SlaClock]:
    with read_session() as session:
        return list(session.exec(select(SlaClock).where(SlaClock.case_kind == case_kind,
                                                        SlaClock.case_id == request_id)
                                 .order_by(SlaClock.id)).all())


def open_clock(request_id: int, case_kind: str = CaseKind.SHARE_REQUEST) -> SlaClock | None:
    return next((c for c in clocks_of(request_id, case_kind) if c.closed_at is None), None)


def notifications_for(actor) -> list[Notification]:
    with read_session() as session:
        return list(session.exec(select(Notification).where(Notification.user_id == actor.user_id)
                                 .order_by(Notification.id)).all())
