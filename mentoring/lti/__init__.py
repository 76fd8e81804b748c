"""Staffroom as an LTI 1.3 tool (docs/lti.md): launches from a university's platform, deep
linking, roster sync and grades, on django-lti and PyLTI1p3."""
