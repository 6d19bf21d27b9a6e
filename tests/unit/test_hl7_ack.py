"""ACKs: reading an engine's answer in either acknowledgement mode, building ours (also for a broken message)."""

from __future__ import annotations

import pytest
from hl7apy.parser import parse_message

from monitor.app.hl7.ack import AckCode, build_ack, new_control_id, parse_ack

RECEIVED = "MSH|^~\\&|EHR|CLINIC|MON|DESK|20261129060000+0000||ADT^A04^ADT_A01|MSG-0042|P|2.6\rEVN||20261129060000"


def test_ack_answers_the_control_id_and_validates_as_v26():
    ack = build_ack(RECEIVED, AckCode.AA)
    assert parse_ack(ack) == parse_ack(ack).__class__(AckCode.AA, "MSG-0042", "")
    msg = parse_message(ack, validation_level=1)  # strict: raises on a v2.6 structure error
    assert msg.validate()
    assert msg.msh.msh_9.to_er7() == "ACK^A04^ACK"
    assert msg.msh.msh_5.to_er7() == "EHR"  # answered to whoever sent it


@pytest.mark.parametrize("code", [AckCode.AE, AckCode.AR])
def test_refusal_carries_its_reason_in_err_escaped(code):
    ack = build_ack(RECEIVED, code, "PID-7 | not a date ^ 1990-13-45", error_code="102")
    parsed = parse_ack(ack)
    assert parsed == parsed.__class__(code, "MSG-0042", "PID-7 | not a date ^ 1990-13-45")
    assert "ERR|||102^Data type error^HL70357|E" in ack
    assert parse_message(ack, validation_level=1).validate()


def test_a_message_too_broken_to_read_still_gets_an_answer():
    parsed = parse_ack(build_ack("this is not HL7", AckCode.AR, "no MSH segment"))
    assert (parsed.code, parsed.control_id, parsed.text) == (AckCode.AR, "", "no MSH segment")


@pytest.mark.parametrize(("msa", "code"), [("CA", AckCode.AA), ("CE", AckCode.AE), ("CR", AckCode.AR)])
def test_enhanced_mode_commit_acks_are_read(msa, code):
    ack = f"MSH|^~\\&|ENG||MON||20261129||ACK|9|P|2.6\rMSA|{msa}|C77|engine says"
    assert parse_ack(ack) == parse_ack(ack).__class__(code, "C77", "engine says")


def test_other_delimiters_are_read():
    ack = "MSH#$%*@#ENG##MON##20261129##ACK$R01#9#P#2.5\rMSA#AE#C78\rERR####207$App error####disk full"
    assert parse_ack(ack).text == "disk full"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "PID|||1",
        "MSH|^~\\&|ENG||MON||20261129||ORU^R01|9|P|2.6\rMSA|AA|C1",
        "MSH|^~\\&|ENG||MON||20261129||ACK|9|P|2.6",
        "MSH|^~\\&|ENG||MON||20261129||ACK|9|P|2.6\rMSA|OK|C1",
    ],
)
def test_not_an_ack_is_refused(message):
    with pytest.raises(ValueError, match="not an"):
        parse_ack(message)


def test_control_ids_are_unique_and_fit_20_characters():
    ids = {new_control_id() for _ in range(10000)}
    assert len(ids) == 10000
    assert max(len(i) for i in ids) <= 20
