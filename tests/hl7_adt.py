"""ADT^A04/A08 messages as an EHR's interface engine sends them, for the tests of patients from the EHR."""

from __future__ import annotations


def adt(
    event: str = "A04",
    control_id: str = "MSG0001",
    mrn: str = "123456",
    name: str = "DOE^JANE^B",
    dob: str = "19800102",
    sex: str = "F",
    kind: str = "ADT",
) -> str:
    return "\r".join(
        [
            f"MSH|^~\\&|EPIC|GENHOSP|INFUSION-MONITOR|CLINIC|20261129101500||{kind}^{event}^ADT_A01|{control_id}|P|2.5",
            f"EVN|{event}|20261129101500|||JSMITH^Smith^John",
            f"PID|1||{mrn}^^^GENHOSP^MR~999-99-9999^^^SSA^SS||{name}||{dob}|{sex}|||1 MAIN ST^^TOWN",
            "PV1|1|O",
        ]
    )
