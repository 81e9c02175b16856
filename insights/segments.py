"""What each RFM segment means in plain words, and what to do about it.

Written for key-account selling to businesses: the customers are companies
with buyers, budgets and contracts, so the actions are visits, reviews and
proposals rather than discount codes. The keys are `Segment` values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import SEGMENT_GRID, Segment


@dataclass(frozen=True)
class SegmentInfo:
    key: str
    label: str | Promise
    meaning: str | Promise
    action: str | Promise
    # Good (keep and grow), watch (develop), risk (win back before it is gone).
    tone: str
    icon: str

    @property
    def css_class(self) -> str:
        return f"segment-{self.key.replace('_', '-')}"


_INFO = [
    SegmentInfo(
        Segment.CHAMPION.value,
        Segment.CHAMPION.label,
        _("Bought recently, buys often and spends the most."),
        _(
            "Reward them, ask for referrals and reviews, offer early access to new products "
            "and involve their decision makers in your annual plan."
        ),
        "good",
        "trophy",
    ),
    SegmentInfo(
        Segment.LOYAL.value,
        Segment.LOYAL.label,
        _("Buys often and regularly; responds well to attention."),
        _(
            "Propose a framework agreement or volume terms, cross-sell related product lines "
            "and keep a regular relationship visit, not only order calls."
        ),
        "good",
        "heart",
    ),
    SegmentInfo(
        Segment.POTENTIAL_LOYALIST.value,
        Segment.POTENTIAL_LOYALIST.label,
        _("Recent customer who has bought more than once; could become loyal."),
        _(
            "Learn their yearly needs, agree a regular delivery or reorder schedule and "
            "introduce them to the people who will serve them."
        ),
        "good",
        "graph-up-arrow",
    ),
    SegmentInfo(
        Segment.NEW_CUSTOMER.value,
        Segment.NEW_CUSTOMER.label,
        _("Bought very recently, for the first time or almost."),
        _(
            "Make the first delivery go well: call after it arrives, fix any problem fast "
            "and find out what else they buy and from whom."
        ),
        "watch",
        "stars",
    ),
    SegmentInfo(
        Segment.PROMISING.value,
        Segment.PROMISING.label,
        _("Bought fairly recently, but only a little so far."),
        _(
            "Visit to understand their business, offer a trial or a small project and "
            "show what a larger share of their purchases could look like."
        ),
        "watch",
        "lightbulb",
    ),
    SegmentInfo(
        Segment.NEED_ATTENTION.value,
        Segment.NEED_ATTENTION.label,
        _("Average recency and frequency; starting to drift."),
        _(
            "Plan a review meeting, ask what they would buy if only we offered it and "
            "make a proposal tailored to their current needs."
        ),
        "watch",
        "exclamation-circle",
    ),
    SegmentInfo(
        Segment.ABOUT_TO_SLEEP.value,
        Segment.ABOUT_TO_SLEEP.label,
        _("Has not bought for a while and never bought often."),
        _(
            "Call before they forget us: share something useful for their business, "
            "check whether the contact person has changed, and offer a reason to reorder."
        ),
        "risk",
        "moon",
    ),
    SegmentInfo(
        Segment.CANT_LOSE_THEM.value,
        Segment.CANT_LOSE_THEM.label,
        _("Used to buy very often, but not for a long time."),
        _(
            "Escalate now: a senior visit to find out what went wrong or which competitor "
            "they moved to, and a concrete offer to win them back."
        ),
        "risk",
        "exclamation-octagon",
    ),
    SegmentInfo(
        Segment.AT_RISK.value,
        Segment.AT_RISK.label,
        _("Bought often before, but not recently."),
        _(
            "Visit soon, ask for honest feedback on service, price and competitors, and "
            "agree on concrete steps to restore the relationship."
        ),
        "risk",
        "exclamation-triangle",
    ),
    SegmentInfo(
        Segment.HIBERNATING.value,
        Segment.HIBERNATING.label,
        _("Last bought long ago and only rarely."),
        _(
            "Keep them in low-cost contact (newsletters, events); re-activate only where "
            "the account is worth it, and check whether they still exist as a buyer."
        ),
        "risk",
        "snow",
    ),
]

SEGMENTS: dict[str, SegmentInfo] = {info.key: info for info in _INFO}
# The order of tables and charts: from the best relationships down to the lost ones.
SEGMENT_ORDER: list[str] = [info.key for info in _INFO]
# "Moved down": from these segments last month ...
MOVED_FROM = (Segment.CHAMPION, Segment.LOYAL)
# ... into these this month.
MOVED_TO = (Segment.AT_RISK, Segment.CANT_LOSE_THEM, Segment.HIBERNATING)


def segment_info(key: str) -> SegmentInfo | None:
    return SEGMENTS.get(key)


def grid_rows() -> list[tuple[int, list[tuple[int, SegmentInfo]]]]:
    """The RxF grid's layout: R from 5 (top) to 1, F from 1 to 5, each cell with its segment."""
    return [(r, [(f, SEGMENTS[SEGMENT_GRID[r][f - 1]]) for f in range(1, 6)]) for r in range(5, 0, -1)]
