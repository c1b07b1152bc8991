"""Plain-words reasons in Danish and English, reasons for the unmatched, and fairness figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .index import FloatArray, Index, IntArray, overlap_share
from .model import Pair, PairScore, Unmatched
from .rules import RULE_TEXT, RULES_ORDER, rule_masks
from .score import edge_scores

FULL_CHECK_LIMIT = 20  # million pairs checked in full for the unmatched


# The time-zone classes (as a list) and the overlap sentences by pair of classes, for the
# last index's zone arrays (kept, and compared by identity): a cohort has a handful of
# zones and a run explains up to one pair per person.
_ZONES: list[tuple[IntArray, list[int], list[int], dict[tuple[int, int], tuple[str, str]]]] = []


def _zones(idx: Index) -> tuple[list[int], dict[tuple[int, int], tuple[str, str]]]:
    if not _ZONES or _ZONES[0][0] is not idx.tz_class or _ZONES[0][1] is not idx.tz_minutes:
        _ZONES[:] = [(idx.tz_class, idx.tz_minutes, idx.tz_class.tolist(), {})]
    return _ZONES[0][2], _ZONES[0][3]


def _overlap_text(
    idx: Index, table: dict[tuple[int, int], tuple[str, str]], ta: int, tb: int
) -> tuple[str, str]:
    text = table.get((ta, tb))
    if text is None:
        hours = f"{overlap_share(idx.tz_minutes[ta], idx.tz_minutes[tb]) * 8:g}"
        text = (
            f"Arbejdstiden overlapper {hours.replace('.', ',')} af 8 timer.",
            f"Working hours overlap {hours} of 8 hours.",
        )
        table[(ta, tb)] = text
    return text


def pair_reasons(idx: Index, a: int, b: int, ps: PairScore, *, locked: bool) -> tuple[str, str]:
    """Reasons (da, en) naming only topics one side shares and the other wants."""
    people = idx.problem.participants
    pa, pb = people[a], people[b]
    na, nb = pa.name or pa.id, pb.name or pb.id
    da_parts: list[str] = []
    en_parts: list[str] = []
    for teacher, learner, topics in ((na, nb, ps.a_to_b), (nb, na, ps.b_to_a)):
        if topics:
            # The list up to its last topic is the same in both languages.
            if len(topics) > 1:
                head = ", ".join(topics[:-1])
                en_list = f"{head} and {topics[-1]}"
                da_list = f"{head} og {topics[-1]}"
            else:
                en_list = da_list = topics[-1]
            en_parts.append(f"{teacher} can teach {learner} {en_list}.")
            da_parts.append(f"{teacher} kan lære {learner} om {da_list}.")
    if bool(ps.a_to_b) != bool(ps.b_to_a):
        en_parts.append("The learning runs one way only.")
        da_parts.append("Læringen går kun den ene vej.")
    wa, wb = pb.id in pa.wishes, pa.id in pb.wishes
    if wa and wb:
        en_parts.append("Both asked for each other.")
        da_parts.append("Begge ønskede hinanden.")
    elif wa or wb:
        asker, asked = (na, nb) if wa else (nb, na)
        en_parts.append(f"{asker} asked for {asked}.")
        da_parts.append(f"{asker} ønskede {asked}.")
    if pa.department and pb.department and pa.department != pb.department:
        en_parts.append(f"Different departments ({pa.department}, {pb.department}).")
        da_parts.append(f"Forskellige afdelinger ({pa.department}, {pb.department}).")
    tz, overlaps = _zones(idx)
    ta, tb = tz[a], tz[b]
    if ta >= 0 and tb >= 0:
        da_text, en_text = _overlap_text(idx, overlaps, ta, tb)
        en_parts.append(en_text)
        da_parts.append(da_text)
    if locked:
        en_parts.append("Locked by an admin.")
        da_parts.append("Låst af en administrator.")
    return " ".join(da_parts), " ".join(en_parts)


UNMATCHED_TEXT: dict[str, tuple[str, str]] = {
    "capacity_zero": (
        "Capacity is 0, so no partner was sought.",
        "Kapaciteten er 0, så der blev ikke søgt en partner.",
    ),
    "no_feasible_partner": (
        "No possible partner: the rules rule out every candidate",
        "Ingen mulig partner: reglerne udelukker alle kandidater",
    ),
    "capacity_exhausted": (
        "The other side has fewer places than this side has, and every possible partner "
        "is taken by a pair that learns more together.",
        "Den anden side har færre pladser end denne side, og alle mulige partnere er "
        "parret med nogen, de lærer mere sammen med.",
    ),
    "outscored": (
        "Every possible partner is taken by a pair that learns more together.",
        "Alle mulige partnere er parret med nogen, de lærer mere sammen med.",
    ),
    "not_checked": (
        "No partner found among the candidates considered.",
        "Ingen partner fundet blandt de kandidater, der blev overvejet.",
    ),
}


def rule_counts(idx: Index, person: int, others: IntArray) -> dict[str, int] | None:
    """How many of the others each rule rules out; None when some pair is allowed."""
    if len(others) == 0:
        return {}
    a = np.full(len(others), person, dtype=np.int64)
    masks = rule_masks(idx, a, others)
    bad = np.zeros(len(others), dtype=np.bool_)
    for m in masks.values():
        bad |= m
    _, learns = edge_scores(idx, a, others)
    masks["nothing_to_learn"] = ~learns
    if not (bad | ~learns).all():
        return None
    return {r: int(masks[r].sum()) for r in RULES_ORDER if r in masks and masks[r].any()}


def unmatched_entry(idx: Index, person: int, code: str, counts: dict[str, int]) -> Unmatched:
    en, da = UNMATCHED_TEXT[code]
    if code == "no_feasible_partner":
        detail_en = "; ".join(f"{RULE_TEXT[r][0]}: {n}" for r, n in counts.items())
        detail_da = "; ".join(f"{RULE_TEXT[r][1]}: {n}" for r, n in counts.items())
        en = f"{en} ({detail_en})." if counts else f"{en} (there is nobody to pair with)."
        da = f"{da} ({detail_da})." if counts else f"{da} (der er ingen at parre med)."
    return Unmatched(id=idx.ids[person], code=code, reason_en=en, reason_da=da, rules=counts)


def _low(values: FloatArray) -> dict[str, float | None]:
    """Lowest and 10th percentile (an element: method 'lower') of the values, to 6 places.

    The same as rounding every value first (the learning figures were): rounding keeps the
    order, so only the two chosen elements need it, with Python's round."""
    if not len(values):
        return {"lowest": None, "p10": None}
    lowest = float(values.min())
    p10 = float(np.percentile(values, 10, method="lower"))
    return {"lowest": round(lowest, 6), "p10": round(p10, 6)}


def fairness_stats(
    idx: Index, pairs: Sequence[Pair], scores: dict[tuple[str, str], PairScore]
) -> dict[str, Any]:
    """Lowest and 10th-percentile score and learning per side, one-sided pairs, wishes."""
    people = idx.problem.participants
    n = len(pairs)
    fig = [scores[(pair.a, pair.b)] for pair in pairs]
    score = np.fromiter((pair.score for pair in pairs), dtype=np.float64, count=n)
    to_b = np.fromiter((ps.learn_a_to_b for ps in fig), dtype=np.float64, count=n)
    to_a = np.fromiter((ps.learn_b_to_a for ps in fig), dtype=np.float64, count=n)
    one_sided = int(((to_b > 0) != (to_a > 0)).sum())
    pos = idx.pos
    ia = np.fromiter((pos[pair.a] for pair in pairs), dtype=np.int64, count=n)
    ib = np.fromiter((pos[pair.b] for pair in pairs), dtype=np.int64, count=n)
    # Each pair counts once for a (who learns b_to_a) and once for b (who learns a_to_b).
    member = np.r_[ia, ib]
    slot_score = np.r_[score, score]
    learnt = np.r_[to_a, to_b]
    if idx.problem.mode == "reverse":
        side_of = {s: k for k, s in enumerate(sorted({p.side or "all" for p in people}))}
        codes = np.fromiter(
            (side_of[p.side or "all"] for p in people), dtype=np.int64, count=len(people)
        )[member]
    else:
        side_of = {"all": 0}
        codes = np.zeros(len(member), dtype=np.int64)
    sides = {}
    for side, k in side_of.items():
        mine = codes == k
        if not mine.any():
            continue
        sides[side] = {
            "matched_slots": int(mine.sum()),
            "score": _low(slot_score[mine]),
            "learning_received": _low(learnt[mine]),
        }
    # Partners only of those with wishes: the wish figures and blocking pairs ask no more.
    wishing = np.fromiter((bool(p.wishes) for p in people), dtype=np.bool_, count=len(people))
    wishers = [p for p in people if p.wishes]
    partners: dict[str, list[str]] = {p.id: [] for p in wishers}
    for k in np.flatnonzero(wishing[ia] | wishing[ib]).tolist():
        pair = pairs[k]
        if pair.a in partners:
            partners[pair.a].append(pair.b)
        if pair.b in partners:
            partners[pair.b].append(pair.a)
    got = sum(1 for p in wishers if set(partners[p.id]) & set(p.wishes))
    return {
        "sides": sides,
        "one_sided_pairs": one_sided,
        "wishes": {
            "with_wishes": len(wishers),
            "got_a_wish": got,
            "share": round(got / len(wishers), 4) if wishers else None,
        },
        "blocking_pairs": blocking_pairs(idx, partners),
    }


def blocking_pairs(idx: Index, partners: dict[str, list[str]]) -> int:
    """Pairs who both wished for each other, may pair, are not paired, and would both
    rather: each has room, or ranks the other above a current partner (unwished ranks last).

    ``partners`` needs to hold (at least) everyone with wishes."""
    people = idx.problem.participants
    pos = idx.pos

    def prefers(me: str, other: str) -> bool:
        p = people[pos[me]]
        if len(partners[me]) < p.capacity:
            return True
        rank = {w: r for r, w in enumerate(p.wishes)}
        worst = max(rank.get(x, len(rank)) for x in partners[me])
        return rank[other] < worst

    mutual: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for p in people:
        for q in p.wishes:
            key = (min(p.id, q), max(p.id, q))
            if key in seen or p.id not in people[pos[q]].wishes or q in partners[p.id]:
                continue
            seen.add(key)
            mutual.append((p.id, q))
    if not mutual:
        return 0
    # The rules for all such pairs in one call.
    a = np.array([pos[x] for x, _ in mutual], dtype=np.int64)
    b = np.array([pos[y] for _, y in mutual], dtype=np.int64)
    broken = np.zeros(len(mutual), dtype=np.bool_)
    for m in rule_masks(idx, a, b).values():
        broken |= m
    return sum(
        1
        for (x, y), bad in zip(mutual, broken.tolist(), strict=True)
        if not bad and prefers(x, y) and prefers(y, x)
    )
