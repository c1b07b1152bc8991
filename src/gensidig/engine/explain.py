"""Plain-words reasons in Danish and English, reasons for the unmatched, and fairness figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .index import Index, IntArray, overlap_share
from .model import Pair, PairScore, Unmatched
from .rules import RULE_TEXT, RULES_ORDER, rule_masks
from .score import edge_scores

FULL_CHECK_LIMIT = 20  # million pairs checked in full for the unmatched


def _join(items: Sequence[str], last: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _name(idx: Index, i: int) -> str:
    p = idx.problem.participants[i]
    return p.name or p.id


def pair_reasons(idx: Index, a: int, b: int, ps: PairScore, *, locked: bool) -> tuple[str, str]:
    """Reasons (da, en) naming only topics one side shares and the other wants."""
    na, nb = _name(idx, a), _name(idx, b)
    da_parts: list[str] = []
    en_parts: list[str] = []
    for teacher, learner, topics in ((na, nb, ps.a_to_b), (nb, na, ps.b_to_a)):
        if topics:
            en_parts.append(f"{teacher} can teach {learner} {_join(list(topics), 'and')}.")
            da_parts.append(f"{teacher} kan lære {learner} om {_join(list(topics), 'og')}.")
    if bool(ps.a_to_b) != bool(ps.b_to_a):
        en_parts.append("The learning runs one way only.")
        da_parts.append("Læringen går kun den ene vej.")
    pa, pb = idx.problem.participants[a], idx.problem.participants[b]
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
    ta, tb = int(idx.tz_class[a]), int(idx.tz_class[b])
    if ta >= 0 and tb >= 0:
        hours = overlap_share(idx.tz_minutes[ta], idx.tz_minutes[tb]) * 8
        text = f"{hours:g}"
        en_parts.append(f"Working hours overlap {text} of 8 hours.")
        da_parts.append(f"Arbejdstiden overlapper {text.replace('.', ',')} af 8 timer.")
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


def _low(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"lowest": None, "p10": None}
    arr = np.array(values)
    return {
        "lowest": round(float(arr.min()), 6),
        "p10": round(float(np.percentile(arr, 10, method="lower")), 6),
    }


def fairness_stats(
    idx: Index, pairs: Sequence[Pair], scores: dict[tuple[str, str], PairScore]
) -> dict[str, Any]:
    """Lowest and 10th-percentile score and learning per side, one-sided pairs, wishes."""
    mode = idx.problem.mode
    groups: dict[str, dict[str, list[float]]] = {}
    partners: dict[str, list[str]] = {pid: [] for pid in idx.ids}
    one_sided = 0
    for pair in pairs:
        ps = scores[(pair.a, pair.b)]
        partners[pair.a].append(pair.b)
        partners[pair.b].append(pair.a)
        if (ps.learn_a_to_b > 0) != (ps.learn_b_to_a > 0):
            one_sided += 1
        for me, learnt in ((pair.a, ps.learn_b_to_a), (pair.b, ps.learn_a_to_b)):
            side: str = "all"
            if mode == "reverse":
                side = idx.problem.participants[idx.pos[me]].side or "all"
            g = groups.setdefault(side, {"score": [], "learning": []})
            g["score"].append(pair.score)
            g["learning"].append(learnt)
    sides = {}
    for side in sorted(groups):
        g = groups[side]
        sides[side] = {
            "matched_slots": len(g["score"]),
            "score": _low(g["score"]),
            "learning_received": _low([round(v, 6) for v in g["learning"]]),
        }
    wishers = [p for p in idx.problem.participants if p.wishes]
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
    rather: each has room, or ranks the other above a current partner (unwished ranks last)."""
    people = {p.id: p for p in idx.problem.participants}

    def prefers(me: str, other: str) -> bool:
        p = people[me]
        if len(partners[me]) < p.capacity:
            return True
        rank = {w: r for r, w in enumerate(p.wishes)}
        worst = max(rank.get(x, len(rank)) for x in partners[me])
        return rank[other] < worst

    count = 0
    seen: set[tuple[str, str]] = set()
    for p in idx.problem.participants:
        for q in p.wishes:
            key = (min(p.id, q), max(p.id, q))
            if key in seen or p.id not in people[q].wishes or q in partners[p.id]:
                continue
            seen.add(key)
            a, b = np.array([idx.pos[p.id]]), np.array([idx.pos[q]])
            masks = rule_masks(idx, a, b)
            if any(bool(m[0]) for m in masks.values()):
                continue
            if prefers(p.id, q) and prefers(q, p.id):
                count += 1
    return count
