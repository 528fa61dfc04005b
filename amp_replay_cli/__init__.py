"""amp-replay: a command-line companion for Amplitude Session Replay through Segment."""

__version__ = "0.1.0"
# Where the project lives: issues, and docs/codes.md that documents every finding code.
PROJECT_URL = "https://github.com/amp-replay/amp-replay"
