"""Validate evals/datasets/retrieval.jsonl, gold.jsonl and the held-out sets.

Usage:  python evals/check_datasets.py [path/to/source.txt]

Checks: every line parses as JSON, required fields and allowed values,
every gold ID is a canonical clause ID, no duplicate ids / questions,
style and type counts, and (when the source text is available) that every
key_fact occurs in the text of its gold clauses (a warning, not an error,
because facts may legitimately come from a parent paragraph's lead-in).
Prints the clause IDs covered and not covered. Exits 1 on any error.
the held-out sets (heldout.jsonl, heldout-b ... heldout-e) get the same per-line checks as
gold.jsonl (ids h001..., b001..., ...; heldout-g.jsonl uses hg001..., heldout-h.jsonl hh001...,
heldout-i.jsonl hi001...), but no minimum size,
everyday share or coverage requirement.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "datasets"
DEFAULT_SOURCE = Path(
    "/work/shared/corpus-source/oecd-legal-0406-digital-government-strategies.txt"
)

ROMAN = ["i", "ii", "iii", "iv", "v"]
SUBITEMS = {
    "II.1": 3,
    "II.2": 2,
    "II.3": 2,
    "II.4": 0,
    "III.5": 0,
    "III.6": 4,
    "III.7": 2,
    "III.8": 0,
    "IV.9": 2,
    "IV.10": 5,
    "IV.11": 0,
    "IV.12": 2,
}
DEFINITIONS = ["I.e-government", "I.digital-government", "I.digital-technologies", "I.public-value"]


def canonical_ids() -> list[str]:
    ids = [f"background.{n}" for n in range(1, 17)]
    ids += [f"preamble.{n}" for n in range(1, 12)]
    ids += ["I", *DEFINITIONS, "II", "III", "IV"]
    for para, n in SUBITEMS.items():
        ids.append(para)
        ids += [f"{para}.{r}" for r in ROMAN[:n]]
    ids += ["V", "VI", "VII", "VIII"]
    return ids


ALL_IDS = canonical_ids()
LEAF_IDS = [p for p, n in SUBITEMS.items() if n == 0] + [
    f"{p}.{r}" for p, n in SUBITEMS.items() for r in ROMAN[:n]
]

GOLD_TYPES = {
    "verbatim",
    "everyday",
    "multi",
    "definition",
    "instrument",
    "out_of_scope",
    "false_premise",
    "injection",
    "followup",
    "typo",
    "french",
}
STYLES = {"text", "everyday"}


def norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    s = s.replace("\u201d", '"').replace("**", "").replace("\\", "")
    return re.sub(r"\s+", " ", s).strip().lower()


def parse_source(path: Path) -> dict[str, str]:
    """Map clause ID -> text. Paragraph IDs include the text of their sub-items."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("This document presents"))
    council = lines.index("THE COUNCIL,")
    out: dict[str, str] = {}
    bg = [ln for ln in lines[start:council] if not ln.startswith("RECOMMENDATION OF THE")]
    assert len(bg) == 16, len(bg)
    for n, ln in enumerate(bg, 1):
        out[f"background.{n}"] = ln
    i = council + 1
    pre = []
    while not lines[i].startswith("I. AGREES"):
        pre.append(lines[i])
        i += 1
    assert len(pre) == 11, len(pre)
    for n, ln in enumerate(pre, 1):
        out[f"preamble.{n}"] = ln
    section = para = current = None
    defmap = {
        "E-Government": "I.e-government",
        "Digital Government": "I.digital-government",
        "Digital technologies": "I.digital-technologies",
        "Public value": "I.public-value",
    }
    for ln in lines[i:]:
        m_sec = re.match(r"^(I|II|III|IV|V|VI|VII|VIII)\. ", ln)
        m_par = re.match(r"^(\d+)\. ", ln)
        m_sub = re.match(r"^(?:- )?(i|ii|iii|iv|v)\) ", ln)
        m_def = re.match(r"^- \*\*(.+?)\*\*", ln)
        if m_sec:
            section, para = m_sec.group(1), None
            current = section
        elif m_par and section in {"II", "III", "IV"}:
            para = f"{section}.{m_par.group(1)}"
            current = para
        elif m_sub and para:
            current = f"{para}.{m_sub.group(1)}"
        elif m_def and section == "I":
            current = defmap[m_def.group(1)]
        out[current] = (out.get(current, "") + " " + ln).strip()
    # paragraphs / sections include their children
    full = dict(out)
    for cid in sorted(out, key=lambda c: -c.count(".")):
        nested = "." in cid and not cid.startswith(("background", "preamble"))
        parent = cid.rsplit(".", 1)[0] if nested else None
        if parent and parent in full:
            full[parent] = full[parent] + " " + full[cid]
    missing = set(ALL_IDS) - set(full)
    assert not missing, f"parser missed {missing}"
    return full


def load(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            errors.append(f"{path.name}:{n}: blank line")
            continue
        try:
            rows.append(json.loads(raw))
        except json.JSONDecodeError as e:
            errors.append(f"{path.name}:{n}: bad JSON ({e})")
    return rows


def check_common(rows, name, fields, errors):
    ids, qs = Counter(), Counter()
    for r in rows:
        rid = r.get("id", "?")
        for f, t in fields.items():
            if f not in r:
                errors.append(f"{name} {rid}: missing field {f}")
            elif not isinstance(r[f], t):
                errors.append(f"{name} {rid}: field {f} has wrong type")
        extra = set(r) - set(fields)
        if extra:
            errors.append(f"{name} {rid}: unexpected fields {sorted(extra)}")
        ids[rid] += 1
        qs[norm(str(r.get("question", "")))] += 1
        for g in r.get("gold", []):
            if g not in ALL_IDS:
                errors.append(f"{name} {rid}: unknown gold ID {g!r}")
        if len(set(r.get("gold", []))) != len(r.get("gold", [])):
            errors.append(f"{name} {rid}: repeated gold ID")
        if not str(r.get("question", "")).strip():
            errors.append(f"{name} {rid}: empty question")
    errors += [f"{name}: duplicate id {k}" for k, v in ids.items() if v > 1]
    errors += [f"{name}: duplicate question {k!r}" for k, v in qs.items() if v > 1]


def coverage(rows, label):
    covered = {g for r in rows for g in r["gold"]}
    print(f"\n[{label}] clause IDs covered ({len(covered)}/{len(ALL_IDS)}):")
    print("  " + ", ".join(c for c in ALL_IDS if c in covered))
    missing = ", ".join(c for c in ALL_IDS if c not in covered)
    print(f"[{label}] NOT covered: " + (missing or "none"))
    leaves_missing = [c for c in LEAF_IDS if c not in covered]
    paras_missing = [
        p for p in SUBITEMS if p not in covered and not any(c.startswith(p + ".") for c in covered)
    ]
    print(
        f"[{label}] paragraphs (II-IV, incl. via sub-items) not covered: "
        + (", ".join(paras_missing) or "none")
    )
    print(
        f"[{label}] leaf sub-items/paragraphs not covered exactly: "
        + (", ".join(leaves_missing) or "none")
    )


def check_gold_rows(rows, name, prefix, errors, warnings, clauses):
    """Per-line checks shared by gold.jsonl and heldout.jsonl."""
    check_common(
        rows,
        name,
        {
            "id": str,
            "question": str,
            "type": str,
            "gold": list,
            "must_refuse": bool,
            "key_facts": list,
            "history": list,
        },
        errors,
    )
    for r in rows:
        rid = r.get("id")
        if not re.fullmatch(prefix + r"\d{3}", str(rid)):
            errors.append(f"{name} {rid}: id must look like {prefix}001")
        t = r.get("type")
        # The shipped sets use the eleven types; later sets may use any free label (as the
        # evaluation loader allows): 1-40 letters, digits, spaces, '_ . : / -'.
        if t not in GOLD_TYPES and not re.fullmatch(r"[\w .:/-]{1,40}", str(t)):
            errors.append(f"{name} {rid}: bad type {t!r}")
        refuse, g, kf = r.get("must_refuse"), r.get("gold", []), r.get("key_facts", [])
        if refuse and (g or kf):
            errors.append(f"{name} {rid}: must_refuse items need gold [] and key_facts []")
        if not refuse and (not g or not 1 <= len(kf) <= 3):
            errors.append(f"{name} {rid}: answerable items need gold and 1-3 key_facts")
        if t == "out_of_scope" and (g or not refuse):
            errors.append(f"{name} {rid}: out_of_scope must have gold [] and must_refuse true")
        if t == "multi" and len(g) < 2:
            errors.append(f"{name} {rid}: multi needs 2+ gold clauses")
        for f in kf:
            # 2-6 words; a single token is accepted only for a document reference
            # such as "C(2014)88" (it contains a digit).
            ok_len = isinstance(f, str) and (
                2 <= len(f.split()) <= 6 or (len(f.split()) == 1 and any(ch.isdigit() for ch in f))
            )
            if not ok_len:
                warnings.append(f"{name} {rid}: key_fact {f!r} is not 2-6 words")
            elif clauses is not None:
                text = " ".join(norm(clauses[c]) for c in g if c in clauses)
                parents = " ".join(
                    norm(clauses[c.rsplit(".", 1)[0]])
                    for c in g
                    if c.count(".") == 2 and c.rsplit(".", 1)[0] in clauses
                )
                if norm(f) not in text and norm(f) not in parents:
                    warnings.append(f"{name} {rid}: key_fact {f!r} not found in {g}")
        h = r.get("history", [])
        if t == "followup":
            if not h or h[-1].get("role") != "assistant":
                errors.append(f"{name} {rid}: followup history must end with an assistant turn")
        elif h:
            errors.append(f"{name} {rid}: only followup items carry history")
        for turn in h:
            if set(turn) != {"role", "content"} or turn.get("role") not in {"user", "assistant"}:
                errors.append(f"{name} {rid}: bad history turn {turn}")


def main() -> int:
    errors: list[str] = []
    warnings: list[str] = []
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    clauses = parse_source(src) if src.exists() else None
    if clauses is None:
        warnings.append(f"source {src} not found: key_fact check skipped")

    retr = load(DATA / "retrieval.jsonl", errors)
    check_common(
        retr, "retrieval", {"id": str, "question": str, "gold": list, "style": str}, errors
    )
    for r in retr:
        if r.get("style") not in STYLES:
            errors.append(f"retrieval {r.get('id')}: bad style {r.get('style')!r}")
        if not r.get("gold"):
            errors.append(f"retrieval {r.get('id')}: empty gold")
        if not re.fullmatch(r"r\d{3}", str(r.get("id"))):
            errors.append(f"retrieval {r.get('id')}: id must look like r001")
    styles = Counter(r.get("style") for r in retr)
    if len(retr) < 48:
        errors.append(f"retrieval: only {len(retr)} lines (< 48)")
    if styles["everyday"] * 2 < len(retr):
        errors.append("retrieval: fewer than half the questions are everyday")

    gold = load(DATA / "gold.jsonl", errors)
    check_gold_rows(gold, "gold", "g", errors, warnings, clauses)
    types = Counter(r.get("type") for r in gold)
    if len(gold) < 160:
        errors.append(f"gold: only {len(gold)} lines (< 160)")
    if types["everyday"] * 3 < len(gold):
        errors.append("gold: everyday items are less than a third of the file")

    print(f"retrieval.jsonl: {len(retr)} lines; style counts: {dict(sorted(styles.items()))}")
    print(f"gold.jsonl: {len(gold)} lines; type counts: {dict(sorted(types.items()))}")
    print(
        f"gold.jsonl: must_refuse true: {sum(bool(r.get('must_refuse')) for r in gold)}; "
        f"everyday share: {types['everyday'] / max(len(gold), 1):.1%}"
    )
    coverage(retr, "retrieval")
    coverage(gold, "gold")

    held_sets = [("heldout.jsonl", "h")] + [(f"heldout-{x}.jsonl", x) for x in "bcde"]
    held_sets.append(("heldout-g.jsonl", "hg"))  # "g" would clash with gold.jsonl ids
    held_sets.append(("heldout-h.jsonl", "hh"))
    held_sets.append(("heldout-i.jsonl", "hi"))
    for file_name, prefix in held_sets:
        path = DATA / file_name
        if not path.exists():
            warnings.append(f"{path} not found: its checks skipped")
            continue
        held = load(path, errors)
        check_gold_rows(held, file_name, prefix, errors, warnings, clauses)
        htypes = Counter(r.get("type") for r in held)
        print(f"\n{file_name}: {len(held)} lines; type counts: {dict(sorted(htypes.items()))}")
        print(f"{file_name}: must_refuse true: {sum(bool(r.get('must_refuse')) for r in held)}")
        coverage(held, file_name)
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("\nOK" if not errors else f"\n{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
