"""`amp-replay schema`: JSON Schemas for editors and for the JSON output."""

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.cli.validate import Sdk

HELP = "Print a JSON Schema: point an editor's $schema at it to get completion and typo checks."
EXAMPLES = (
    "amp-replay schema options -o replay-options.schema.json",
    "amp-replay schema options --sdk segment-wrapper",
    "amp-replay schema output",
)


class SchemaKind(str, enum.Enum):
    options = "options"
    output = "output"
    config = "config"


def schema(
    ctx: typer.Context,
    kind: Annotated[
        SchemaKind,
        typer.Argument(
            help="options: sessionReplayOptions for editors; "
            "output: the --output-format json envelope; "
            "config: the project configuration ([tool.amp-replay], .amp-replay.toml)."
        ),
    ] = SchemaKind.options,
    sdk: Annotated[Sdk, typer.Option(help="SDK line of the options schema.")] = Sdk.standalone,
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", "-o", help="Write here instead of stdout.", dir_okay=False),
    ] = None,
) -> None:
    if kind is SchemaKind.output:
        from amp_replay_cli.output.schema import output_schema

        document = output_schema()
    elif kind is SchemaKind.config:
        from typer.core import TyperGroup

        from amp_replay_cli.cli.configuration import configuration_spec
        from amp_replay_cli.core.settings import config_schema

        root = ctx.find_root()
        assert isinstance(root.command, TyperGroup)  # schema is a command of the app
        document = config_schema(configuration_spec(root.command, root))
    else:
        from amp_replay_cli.core.options.catalog import SdkLine
        from amp_replay_cli.core.options.schema import options_schema

        document = options_schema(SdkLine(sdk.value))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output_file is None:
        typer.echo(text, nl=False)
    else:
        output_file.write_text(text, encoding="utf-8")
