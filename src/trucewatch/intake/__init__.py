"""Intake: one reader per format, row validation, and quarantine of what is rejected."""

from trucewatch.intake.formats import FORMATS, detect_format, read_file
from trucewatch.intake.rows import IntakeResult, Rejection

__all__ = ["FORMATS", "IntakeResult", "Rejection", "detect_format", "read_file"]
