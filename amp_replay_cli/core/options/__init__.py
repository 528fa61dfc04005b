"""sessionReplayOptions: the option catalog of each SDK line and the rules of `validate`."""
