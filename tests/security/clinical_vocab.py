"""The clinical vocabulary that no answer to a role without clinical rights may contain (《中华人民共和国精神卫生法》第四条; 《中华人民共和国个人信息保护法》第六条;
security review M1/M2), built from the sources of truth rather than by hand:

- every shipped policy profile: its follow-up rules' texts and ids, the first-visit, hospitalised and
  assessment texts, the rules' clinical escalations, the grade labels that name a condition class,
  the medication measures and their causes, and the rule ids the schedule gives (``<profile>:<rule>``);
- the condition classes as they are worded ("病情稳定", "病情不稳定"…), the diagnoses, the symptoms,
  adherence and its medication causes, insight and the classifier's symptom wording;
- the markers the matrix's world plants in clinical fields and in a hand-written key-person reason.

A few words of those vocabularies are not clinical by themselves (NOT_CLINICAL: "其他", "经济困难"…)
and are left out, so that a page may say them. Some public texts that every role reads by design hold a
clinical word inside a longer sentence: the screening checklist that police and cadres fill in (“经常无故
自语自笑…”), the national form's incident definitions (“如行凶伤人毁物等”) and the names and definitions
of the statistics' indicators (“病情稳定率”: counts, nobody's data). Those whole sentences are taken out of
an answer before it is scanned (``scrub``); the same word anywhere else is still found.
"""

import functools

from jingfang.care import vocab as care_vocab
from jingfang.core import vocab
from jingfang.followups import classify
from jingfang.policies import profiles
from jingfang.screening import vocab as screening_vocab
from jingfang.stats import kpis

from . import world

# Words of the clinical vocabularies that say nothing clinical alone (they name a social situation).
NOT_CLINICAL = frozenset({"其他", "经济困难", "取药不便", "无监护或弱监护", "无监护、弱监护", "贫困未买药", "购药不方便",
                          "加重", "好转", "无变化"})
# Local ids of schedule rules (followups.schedule, engine) besides the profile's follow-up rules.
SCHEDULE_RULES = ("first_visit", "hospitalized", "face_to_face", "assessment_stable", "assessment_other",
                  "health_check", "roll_call", "plan_review")


def _profile_terms(p) -> set[str]:
    terms = set()
    fu = p.followup
    for rule_id, rule in fu.rules.items():
        terms |= {rule.text, rule.label, p.rule_id(rule_id), *rule.escalations}
    terms |= {fu.first_visit.text, fu.hospitalized.text}
    terms |= {p.rule_id(local) for local in SCHEDULE_RULES}
    if p.assessment:
        terms.add(p.assessment.text)
    terms |= {g.label for g in p.grades if g.when.conditions}
    for m in p.medication_measures:
        terms |= {m.measure, m.cause_label}
    return terms


@functools.cache
def terms() -> tuple[str, ...]:
    found: set[str] = set(world.CLINICAL_MARKERS)
    for name in profiles.available_profiles():
        found |= _profile_terms(profiles.load_profile(name))
    found |= {f"病情{label}" for label in vocab.CONDITIONS.values()}
    for words in (vocab.DIAGNOSES, vocab.SYMPTOMS, vocab.ADHERENCE, vocab.ADHERENCE_CAUSES, vocab.INSIGHT,
                  vocab.TREATMENT_EFFECT, classify.PSYCHOTIC, classify.INSIGHT, classify.ADVERSE):
        found |= set(words.values())
    found = {t for t in found if t and t not in NOT_CLINICAL and len(t) >= 2}
    return tuple(sorted(found, key=len))


def found_in(text: str) -> list[str]:
    """The clinical terms in ``text``; a term inside a longer one found is not listed again."""
    text = scrub(text)
    hits = [t for t in terms() if t in text]
    return [t for t in hits if not any(t != u and t in u for u in hits)]


@functools.cache
def public_texts() -> tuple[str, ...]:
    """Sentences every role reads by design (see the module docstring), longest first."""
    texts = set(screening_vocab.SIGNS.values())
    for definition in care_vocab.INCIDENT_DEFINITIONS.values():
        texts |= {definition, definition.split("（")[0]}
    for spec in kpis.SPECS.values():
        texts |= {spec.name, spec.numerator_label, spec.denominator_label}
    for name in profiles.available_profiles():  # each region's words follow its profile's numbers
        for words in kpis.texts(kpis.Rules.of(profiles.load_profile(name))).values():
            texts |= set(words)
    return tuple(sorted((t for t in texts if t), key=len, reverse=True))


def scrub(text: str) -> str:
    for public in public_texts():
        text = text.replace(public, " ")
    return text
