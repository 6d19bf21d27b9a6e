"""The EHR interface: HL7 v2 messages (IHE PCD-01 ORU^R01 out, ADT in) over MLLP; Qt-free, sockets from the stdlib."""
