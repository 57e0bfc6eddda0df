"""Assessment: attribution, obligations, confidence and the status workflow. Pure: no I/O."""

from trucewatch.assess.assessor import assess, assess_incident

__all__ = ["assess", "assess_incident"]
