"""amp-replay: a command-line companion for Amplitude Session Replay through Segment."""

__version__ = "0.1.0"
