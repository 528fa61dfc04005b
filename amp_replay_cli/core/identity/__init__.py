"""Segment ⇄ Amplitude identity: the event model, the Actions-destination mapping, the mismatch
rules."""
