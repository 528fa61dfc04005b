"""The upload engine.

recordings (the public face: `inspect`, `sent_events`) reads a file through layouts and checks
it through checks, both reporting through problems; rrweb unpacks packed events; track builds
the SDK's requests; uploads holds the settings and the per-replay records; delivery sends them,
remembering acknowledged batches in the journal.
"""
