"""The amp-replay library. It never imports typer or rich: the CLI and renderers do."""
