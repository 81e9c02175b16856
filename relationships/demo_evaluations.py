"""Demo evaluations and period figures (called by the programme's demo, after its plans).

The period figures of the last six quarters, the running one and the years they touch are
computed, so that every dashboard has history to show. The GM has finalised both RMs'
evaluations of the three quarters before the last closed one, scoring the manual
criterion by hand and overriding one measured score with a reason; of the last closed
quarter, rm2's evaluation is a draft and rm's is not started, for the GM to do.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from . import services
from .models import Evaluation, PeriodComputation
from .periods import Period, PeriodKind, latest_closed

MANUAL_COMMENTS = {
    5: "Knows the owners' families and the buying committee; every plan is grounded in it.",
    4: "Households and decision makers on file for most accounts; two need updating.",
    3: "Account knowledge is thin on the newer accounts: no household data yet.",
}
SUMMARY = "Steady quarter: contacts kept, plans on track. Keep pushing share of wallet with the largest accounts."
OVERRIDE_COMMENT = (
    "Adjusted by hand: two accounts moved part of their buying to their head office; the revenue figures alone mislead."
)


def load(*, users: dict[str, Any]) -> None:
    if PeriodComputation.objects.exists():
        return
    today = timezone.localdate()
    quarters = Period.of(PeriodKind.QUARTER, today).recent(7)
    years = sorted({Period.of(PeriodKind.YEAR, quarter.start) for quarter in quarters})
    for period in quarters + years:
        services.period_compute(period=period, today=today, requested_by=users["gm"])
    last_closed = latest_closed(PeriodKind.QUARTER, today)
    rng = random.Random(7)
    for username in ("rm", "rm2"):
        for index, period in enumerate(last_closed.recent(4)[:-1]):
            _final(users, username, period, rng, override=index == 0)
    services.evaluation_start(relationship_manager=users["rm2"], period=last_closed, by=users["gm"])


def _final(users: dict[str, Any], username: str, period: Period, rng: random.Random, *, override: bool) -> None:
    gm = users["gm"]
    evaluation = services.evaluation_start(relationship_manager=users[username], period=period, by=gm)
    scores = {}
    for score in evaluation.scores.all():
        if not score.is_measured:
            value = rng.choice([3, 4, 4, 5])
            scores[score.pk] = (value, MANUAL_COMMENTS[value])
        elif score.measured_score is None:
            scores[score.pk] = (3, "No data for this criterion in the period; scored as meeting expectations.")
        elif score.metric == "revenue_growth" and override:
            better = score.measured_score + 1 if score.measured_score < 5 else 4
            scores[score.pk] = (better, OVERRIDE_COMMENT)
        else:
            scores[score.pk] = (score.measured_score, "")
    services.evaluation_save(
        evaluation=evaluation,
        by=gm,
        summary=SUMMARY,
        scores=scores,
    )
    services.evaluation_finalise(evaluation=evaluation, by=gm)
    # Evaluated in the days after the quarter ended, not all on the day the demo loaded.
    finalised = timezone.make_aware(datetime.combine(period.end + timedelta(days=12), time(10)))
    Evaluation.objects.filter(pk=evaluation.pk).update(finalised_at=finalised)
