"""Infusion Station Monitor: nurse-station session monitor for ketamine infusions."""

__version__ = "0.1.0"
