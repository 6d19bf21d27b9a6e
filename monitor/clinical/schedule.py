"""The observation schedule: checks due at a fixed interval from the start of the infusion, through recovery.

Each check asks for vitals (a cuff reading), a sedation score (RASS or MOAA/S), the quick dissociation severity
(clinical.md "Dissociation": at each check) and a side-effect review (a side effect recorded, or a review with
nothing found). Default interval 15 min: clinical.md "Monitoring during infusion" ([ASRA-2018]: NIBP at least
every 15 min, sedation and dissociation at regular intervals, typically every 15 min); configurable per clinic.

Windows do not overlap: an observation counts for one check only, so checks every 30 min never pass for checks
every 15. A check's window runs from the end of the previous one (its due time plus the grace) to its own due time
plus the grace. A check not done by the next one's due time is MISSED: it stays on the record, and the nurse's
attention moves on to the check now due.

Under the clinic's esketamine-rems protocol, `rems_bp_checks` adds the three BP checks of [PI]/[REMS] (before
dosing, about 40 min after dosing, before the session ends) to the same schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from monitor.clinical.entries import EntryKind, EntryView, is_score
from monitor.clinical.scales import ScaleRole

CHECK_INTERVAL_S = 15 * 60.0
GRACE_S = 5 * 60.0  # a check is overdue this long after it was due; a clinic setting
REQUIREMENTS = ("vitals", "sedation score", "dissociation", "side-effect review")
# The esketamine-rems protocol's scheduled BP checks ([PI]/[REMS]: BP before dosing, about 40 min after dosing,
# and before the session ends), besides the regular checks; each needs a cuff reading (NIBP) in its window.
BP_BEFORE_DOSING = "BP before dosing"
BP_AT_40_MIN = "BP ~40 min after dosing"
BP_BEFORE_END = "BP before the session ends"
REMS_BP_AT_S = 40 * 60.0  # [PI]/[REMS]: about 40 min after dosing (the BP rise peaks then)
REMS_BP_TOLERANCE_S = 10 * 60.0  # clinic default: "about 40 min" taken as 30-50 min after dosing


class CheckStatus(StrEnum):
    DONE = "done"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"  # not done by the time the next check was due


@dataclass(frozen=True, slots=True)
class Check:
    due_at: float
    window: tuple[float, float]  # entries in (start, end] count for this check
    missing: tuple[str, ...]
    status: CheckStatus
    what: str = ""  # "": a regular observation check; else which scheduled BP check (BP_BEFORE_DOSING, ...)


def _satisfied(views: Sequence[EntryView], nibp_times: Sequence[float], lo: float, hi: float) -> set[str]:
    done = set()
    if any(lo < t <= hi for t in nibp_times):
        done.add("vitals")
    for v in views:
        if not (v.live and lo < v.t <= hi):
            continue
        if is_score(v, ScaleRole.SEDATION):
            done.add("sedation score")
        elif v.kind is EntryKind.DISSOCIATION:
            done.add("dissociation")
        elif v.kind in (EntryKind.SIDE_EFFECT, EntryKind.CHECK):
            done.add("side-effect review")
    return done


def checks(
    start: float | None,
    end: float | None,
    now: float,
    views: Iterable[EntryView],
    nibp_times: Iterable[float],
    interval_s: float = CHECK_INTERVAL_S,
    grace_s: float = GRACE_S,
) -> list[Check]:
    """Checks from the infusion start (None: no schedule yet) to `end` (discharge) or the next one after now."""
    if start is None:
        return []
    if end is not None:  # discharged: the schedule stops there; nothing falls due or is missed afterwards
        now = min(now, end)
    views, nibp = list(views), sorted(nibp_times)
    out: list[Check] = []
    k = 1
    while True:
        due = start + k * interval_s
        if (end is not None and due > end + interval_s) or due > now + interval_s:
            break
        lo, hi = (start if k == 1 else due - interval_s + grace_s), due + grace_s
        missing = tuple(r for r in REQUIREMENTS if r not in _satisfied(views, nibp, lo, hi))
        if not missing:
            status = CheckStatus.DONE
        elif now < due:
            status = CheckStatus.UPCOMING
        elif now <= due + grace_s:
            status = CheckStatus.DUE
        elif now <= due + interval_s:
            status = CheckStatus.OVERDUE
        else:
            status = CheckStatus.MISSED
        out.append(Check(due, (lo, hi), missing, status))
        k += 1
    return out


def next_open(check_list: Sequence[Check]) -> Check | None:
    """The check the nurse should look at: an overdue one, else the first not done (missed ones are past)."""
    overdue = [c for c in check_list if c.status is CheckStatus.OVERDUE]
    if overdue:
        return overdue[0]
    return next((c for c in check_list if c.status not in (CheckStatus.DONE, CheckStatus.MISSED)), None)


def missed(check_list: Sequence[Check]) -> int:
    return sum(1 for c in check_list if c.status is CheckStatus.MISSED)


def rems_bp_checks(
    dosed_at: float | None,
    end: float | None,
    now: float,
    nibp_times: Iterable[float],
    recent_s: float,
    observe_s: float,
) -> list[Check]:
    """The esketamine-rems protocol's three BP checks ([PI]/[REMS]), each met by a cuff reading (NIBP):
    before dosing (any reading of the session up to the infusion's start `dosed_at`; due now until then, missed if
    the start came without one); about 40 min after dosing (a reading 30-50 min after it, clinic default); and
    before the session ends (a reading at most `recent_s`, one check interval, old -- due from the earliest end,
    `dosed_at + observe_s`; discharge waits for it). `end`: the discharge, where the schedule stops."""
    nibp = sorted(nibp_times)
    now = now if end is None else min(now, end)

    def check(what: str, due: float, lo: float, hi: float, status: CheckStatus) -> Check:
        done = any(lo < t <= hi for t in nibp)
        return Check(due, (lo, hi), () if done else ("vitals",), CheckStatus.DONE if done else status, what)

    if dosed_at is None:
        return [check(BP_BEFORE_DOSING, now, float("-inf"), now, CheckStatus.DUE)]
    at_40 = dosed_at + REMS_BP_AT_S
    window_40 = (at_40 - REMS_BP_TOLERANCE_S, at_40 + REMS_BP_TOLERANCE_S)
    earliest_end = dosed_at + observe_s
    latest = max(now, earliest_end)
    return [
        check(BP_BEFORE_DOSING, dosed_at, float("-inf"), dosed_at, CheckStatus.MISSED),
        check(BP_AT_40_MIN, at_40, *window_40, _timed(now, at_40, window_40[1])),
        check(
            BP_BEFORE_END,
            earliest_end,
            latest - recent_s,  # readings are never later than now: none counts before the window opens
            latest,
            CheckStatus.UPCOMING if now < earliest_end else CheckStatus.MISSED if end is not None else CheckStatus.DUE,
        ),
    ]


def _timed(now: float, due: float, closes: float) -> CheckStatus:
    return CheckStatus.UPCOMING if now < due else CheckStatus.DUE if now <= closes else CheckStatus.MISSED
