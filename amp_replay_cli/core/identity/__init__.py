"""Segment ⇄ Amplitude identity: what the Actions destination makes of a Segment event's values,
the inputs diagnose reads and the words of its findings; the rules themselves are SQL (sql/)."""
