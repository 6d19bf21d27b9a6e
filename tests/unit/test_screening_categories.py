"""Screening as clinical.md sorts it (issue 19 point 1): the relative contraindications [ASRA-2018] block the start
unless overridden with a reason; the cautions are recorded and do not block; the tests prompts [ASRA-2018] are
answered and recorded, never blocking; the pre-dose MOAA/S is required; a screening stored before issue 19 (its
items under "answers") still reads, blocks and shows as it was recorded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from forms import START, T0, Clock, screening

from monitor.app.session_service import SessionService, entries_from_rows
from monitor.clinical.entries import EntryKind, describe
from monitor.clinical.errors import EntryError
from monitor.clinical.screening import (
    Caution,
    Contraindication,
    Investigation,
    InvestigationAnswer,
    evaluate,
    validate_screening,
)
from monitor.storage.db import EntryRow, connect, read_entries
from monitor.storage.writer import SessionWriter

BASELINE = {"sys": 128, "dia": 80, "hr": 72, "spo2": 98}
# A screening as the program recorded it before issue 19: eight items, each a block, no pre-dose MOAA/S.
LEGACY = {
    "answers": {
        "substance_misuse": False,
        "psychosis": False,
        "bipolar": True,
        "hypertension": False,
        "hepatic": False,
        "pregnancy": False,
        "pressure": False,
        "cardiac": False,
    },
    "consent": True,
    "fasting": True,
    "escort": True,
    "baseline": BASELINE,
    "baseline_pain": 6,
}


def _with(group: str, key: str, value: object = True) -> dict:
    return screening(**{group: screening()[group] | {key: value}})


@pytest.fixture
def service(tmp_path: Path):
    with SessionWriter(tmp_path / "s.sqlite3") as writer:
        clock = Clock(T0 + 300)
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        yield SessionService(writer, sid, T0, clock=clock, initials="AB", require_screening=True), writer, sid


@pytest.mark.parametrize("item", list(Contraindication))
def test_each_relative_contraindication_blocks_until_overridden_with_a_reason(item: Contraindication) -> None:
    answered = validate_screening(_with("contraindications", item.name.lower()))
    result = evaluate(answered)
    assert not result.may_start and result.blocks == (f"contraindication: {item.value}",)
    overridden = evaluate(
        validate_screening(_with("contraindications", item.name.lower()) | {"override_reason": "weighed: ok"})
    )
    assert overridden.may_start and overridden.blocks == result.blocks


def test_the_asra_items_are_the_blocks_as_clinical_md_words_them() -> None:
    assert {item.value for item in Contraindication} == {
        "poorly controlled cardiovascular disease, incl. uncontrolled hypertension",
        "pregnancy",
        "active psychosis",
        "active substance abuse",
        "severe hepatic disease",
        "raised intracranial or intraocular pressure",
    }


@pytest.mark.parametrize("item", list(Caution))
def test_each_caution_is_recorded_with_the_screening_and_does_not_block(item: Caution) -> None:
    clean = validate_screening(_with("cautions", item.name.lower()))
    assert clean["cautions"][item.name.lower()] is True, "recorded with the screening"
    result = evaluate(clean)
    assert result.may_start and not result.blocks
    assert result.cautions == (f"caution: {item.value}",)
    assert f"caution: {item.value}" in describe(EntryKind.SCREENING, clean), "shown on the record"


def test_the_merged_items_are_split_pregnancy_blocks_breastfeeding_cautions() -> None:
    pregnant = evaluate(validate_screening(_with("contraindications", "pregnancy")))
    breastfeeding = evaluate(validate_screening(_with("cautions", "breastfeeding")))
    assert not pregnant.may_start
    assert breastfeeding.may_start and breastfeeding.cautions == ("caution: breastfeeding (not recommended)",)
    psychosis = evaluate(validate_screening(_with("contraindications", "active_psychosis")))
    history = evaluate(validate_screening(_with("cautions", "psychiatric_history")))
    assert not psychosis.may_start
    assert history.may_start and history.cautions == ("caution: history of schizophrenia, bipolar disorder or mania",)
    severe = evaluate(validate_screening(_with("contraindications", "severe_hepatic")))
    moderate = evaluate(validate_screening(_with("cautions", "moderate_hepatic")))
    assert not severe.may_start and moderate.may_start, "[ASRA-2018]: severe avoid, moderate caution"


def test_every_item_needs_an_answer() -> None:
    for group, items in (("contraindications", Contraindication), ("cautions", Caution)):
        for item in items:
            form = screening()
            form[group] = {k: v for k, v in form[group].items() if k != item.name.lower()}
            with pytest.raises(EntryError, match=re.escape(f"answer '{item.value}'")):
                validate_screening(form)


@pytest.mark.parametrize("prompt", list(Investigation))
def test_the_tests_prompts_are_answered_and_recorded_never_blocking(prompt: Investigation) -> None:
    form = screening()
    form["tests"] = {k: v for k, v in form["tests"].items() if k != prompt.name.lower()}
    with pytest.raises(EntryError, match="answer the prompt"):
        validate_screening(form)
    with pytest.raises(EntryError, match="answer the prompt"):
        validate_screening(_with("tests", prompt.name.lower(), "maybe"))
    clean = validate_screening(_with("tests", prompt.name.lower(), InvestigationAnswer.INDICATED.value))
    assert clean["tests"][prompt.name.lower()] == "indicated: done or arranged", "recorded as acknowledged"
    result = evaluate(clean)
    assert result.may_start and not result.blocks and not result.cautions
    assert len(result.tests) == 1 and result.tests[0].endswith("indicated: done or arranged")
    assert "tests: " + result.tests[0] in describe(EntryKind.SCREENING, clean)


def test_the_tests_prompts_say_when_asra_names_them() -> None:
    assert "cardiovascular disease is suspected or the risk is high" in Investigation.ECG.value
    assert "high doses at frequent intervals" in Investigation.LFT.value
    assert "alcohol, chronic hepatitis" in Investigation.LFT.value


def test_the_pre_dose_moaas_is_required_as_a_whole_score_from_0_to_5() -> None:
    form = screening()
    del form["pre_dose_moaas"]
    for bad in (
        form,
        screening(pre_dose_moaas=6),
        screening(pre_dose_moaas=-1),
        screening(pre_dose_moaas=True),
        screening(pre_dose_moaas="5"),
        screening(pre_dose_moaas=4.5),
    ):
        with pytest.raises(EntryError, match="pre-dose MOAA/S"):
            validate_screening(bad)
    clean = validate_screening(screening(pre_dose_moaas=4))
    assert clean["pre_dose_moaas"] == 4
    assert "pre-dose MOAA/S 4 lethargic response to name spoken in normal tone" in describe(EntryKind.SCREENING, clean)


def test_the_service_refuses_the_start_on_a_block_and_allows_it_on_a_caution(service) -> None:
    svc, _writer, _sid = service
    svc.record(EntryKind.SCREENING, _with("contraindications", "raised_pressure")).result(5)
    with pytest.raises(EntryError, match="contraindication: raised intracranial or intraocular pressure"):
        svc.record(EntryKind.INFUSION, START)
    svc.record(EntryKind.SCREENING, _with("cautions", "substance_misuse_history")).result(5)
    svc.record(EntryKind.INFUSION, START).result(5)
    assert svc.screening().cautions == ("caution: history of substance misuse",)


def _resumed(writer: SessionWriter, sid: int, *payloads: dict) -> SessionService:
    """The session as stored, continued after a restart (as app.resume does), with `payloads` stored as screenings
    the way they were recorded then."""
    for i, payload in enumerate(payloads, start=1):
        writer.add_entry(EntryRow(sid, "screening", T0 + 60 * i, T0 + 60 * i, "AB", payload)).result(5)
    conn = connect(writer.db_path)
    try:
        entries = entries_from_rows(read_entries(conn, sid))
    finally:
        conn.close()
    return SessionService(
        writer, sid, T0, clock=Clock(T0 + 300), initials="AB", require_screening=True, entries=entries
    )


def test_a_screening_recorded_before_issue_19_still_reads_blocks_and_shows(tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "old.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=T0)
        svc = _resumed(writer, sid, LEGACY)
        result = svc.screening()
        assert result is not None and result.blocks == ("contraindication: bipolar disorder or mania",), "as asked"
        with pytest.raises(EntryError, match="bipolar disorder or mania"):
            svc.record(EntryKind.INFUSION, START)
        line = describe(EntryKind.SCREENING, LEGACY)
        assert line.startswith("Screening: start blocked; baseline 128/80") and "MOAA/S" not in line
        overridden = LEGACY | {"override_reason": "stable on lithium, psychiatrist agrees"}
        svc = _resumed(writer, sid, overridden)
        assert svc.screening().may_start and "override: stable on lithium" in describe(EntryKind.SCREENING, overridden)
        svc.record(EntryKind.INFUSION, START).result(5)
        first = next(v for v in svc.views() if v.kind is EntryKind.SCREENING)
        assert first.payload == LEGACY, "nothing recorded is rewritten"


def test_a_new_screening_in_the_old_form_is_refused() -> None:
    with pytest.raises(EntryError, match="Screening: answer"):
        validate_screening(LEGACY | {"pre_dose_moaas": 5})
