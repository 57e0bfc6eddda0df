"""The mission server: HTTP API with roles and redaction, and the offline web dashboard."""
