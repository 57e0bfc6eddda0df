"""Agreement files: schema, loading, geometry and obligations as predicates."""

from trucewatch.agreement.load import load_agreement
from trucewatch.agreement.model import Agreement

__all__ = ["Agreement", "load_agreement"]
