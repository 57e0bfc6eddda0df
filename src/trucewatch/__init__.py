"""Trucewatch: monitoring and verification of a ceasefire."""

__version__ = "0.1.0"
