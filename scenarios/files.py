"""Private files leave the server only through a checked view (``mentoring.core.files``, shared
with the members' data exports)."""

from mentoring.core.files import private_file_response

__all__ = ["private_file_response"]
