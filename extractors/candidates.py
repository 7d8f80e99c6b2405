"""One candidate per fact identity, chosen here rather than by the store.

The store keeps a single fact per identity (:meth:`ExtractedFact.identity`: paper, kind,
benchmark, metric, model, page, accelerator) so that a re-extraction updates the fact a curator
has already reviewed. Prose often states several values that share an identity ("the WMT
translations on 8 cards ... the IWSLT ones on 1 card"; "25 million parameters ... AlexNet's 60
million" with no model named). The extractor knows which to prefer: the most confident, then the
largest (the full-scale setting is the headline one: :func:`extractors.kinds.preference`, the
one tie-break every stage uses); the others stay visible to the curator in
``details["also_stated"]``.
"""

from __future__ import annotations

from extractors.facts import ExtractedFact
from extractors.kinds import preference


def one_per_identity(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """The preferred fact of each identity, in first-seen order, the rest noted on it."""
    groups: dict[str, list[ExtractedFact]] = {}
    for fact in facts:
        groups.setdefault(fact.identity("", 0), []).append(fact)
    kept = []
    for group in groups.values():
        best = max(group, key=preference)
        others = [f.value for f in group if f is not best and f.value != best.value]
        if others:
            best.details["also_stated"] = others
        kept.append(best)
    return kept
