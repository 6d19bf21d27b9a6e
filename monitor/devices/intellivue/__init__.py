"""Philips IntelliVue Data Export over the MIB/RS-232 port (protocol "intellivue-mib").

frame.py: serial framing; float_type.py: the 32-bit base-10 FLOAT-Type; nomenclature.py: physio ids and units;
messages.py: what a monitor sends (parsed) and what a host sends (built); decoder.py: the passive decoder.
Facts restated from shared/protocols/README.md §3.
"""
