"""The project configuration seen from the command line: which keys it may hold, built from the
commands' own options, and the values it gives them as click's default_map, so that a flag
written on the command line (or its environment variable) always wins over the file.

One run reads the file once, before its command parses its arguments (see app._RootGroup).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer import BadParameter
from typer._click.types import BoolParamType, FloatParamType, IntParamType
from typer.core import TyperGroup
from typer.models import TyperPath

from amp_replay_cli.cli.choosing import ChoiceOptions
from amp_replay_cli.cli.shared import SETTINGS, OutputOptions
from amp_replay_cli.core.settings import (
    OWN_KEYS,
    SECRETS,
    ConfigSpec,
    Key,
    Kind,
    load_settings,
)

if TYPE_CHECKING:
    from typer._click import Context as ClickContext
    from typer._click import Parameter

# The commands whose options a configuration may set, each in its own table.
CONFIGURED = ("validate", "simulate", "upload", "check", "diagnose")
# Top-level keys: each sets the option of that name, as validate defines it, in every command
# whose option takes the same values (strict: validate, upload, diagnose; sdk: validate only, as
# simulate's --sdk is a hash line).
SHARED = ("strict", "env", "sdk")
_DEFINED_BY = "validate"
# Options every reporting command shares are not per-command settings: select and ignore are
# top-level keys, output options belong to the run; nor are options that change what a run is.
_NOT_SETTINGS = (
    {field.replace("_", "-") for field in OutputOptions.__dataclass_fields__}
    | {field.replace("_", "-") for field in ChoiceOptions.__dataclass_fields__}
    # diagnose's warehouse modes replace reading FILES: set in a file, every run would switch.
    | {"emit-sql", "from-results"}
)
_SECRET_VARIABLES = ("AMPLITUDE_API_KEY", "AMPLITUDE_SECRET_KEY")


def configuration_spec(root: TyperGroup, ctx: ClickContext) -> ConfigSpec:
    """Every key a configuration may hold, from the options of the configured commands."""
    commands = {name: _keys(root, ctx, name) for name in CONFIGURED}
    shared = []
    for name in SHARED:
        key = next(key for key in commands[_DEFINED_BY] if key.name == name)
        users = tuple(
            command
            for command, keys in commands.items()
            if any(_same_values(key, other) for other in keys if other.name == name)
        )
        shared.append((key, users))
    return ConfigSpec(shared=tuple(shared), commands=commands)


def _same_values(one: Key, other: Key) -> bool:
    return (one.kind, one.many, one.choices) == (other.kind, other.many, other.choices)


def _keys(root: TyperGroup, ctx: ClickContext, name: str) -> tuple[Key, ...]:
    command = root.get_command(ctx, name)
    assert command is not None, name  # CONFIGURED names commands of the app
    own = {key.name for key in OWN_KEYS}
    return tuple(
        _key(parameter)
        for parameter in command.params
        if isinstance(parameter, typer.core.TyperOption)
        and _name(parameter) not in _NOT_SETTINGS | own
        and not _secret(parameter)
    )


def _name(parameter: Parameter) -> str:
    return (parameter.name or "").replace("_", "-")


def _secret(parameter: Parameter) -> bool:
    envvar = getattr(parameter, "envvar", None)
    return _name(parameter) in SECRETS or envvar in _SECRET_VARIABLES


def _key(parameter: Parameter) -> Key:
    click_type = parameter.type

    def convert(value: Any) -> object:
        try:
            return click_type.convert(value, parameter, None)
        except BadParameter as error:
            raise ValueError(error.message) from None

    return Key(
        name=_name(parameter),
        kind=_kind(parameter),
        description=getattr(parameter, "help", None) or "",
        many=parameter.multiple,
        choices=tuple(getattr(click_type, "choices", ())),
        minimum=getattr(click_type, "min", None),
        maximum=getattr(click_type, "max", None),
        target=parameter.name or "",
        path=isinstance(click_type, TyperPath),
        convert=convert,
    )


def _kind(parameter: Parameter) -> Kind:
    """click's type of an option as a TOML type; anything else (paths, durations) is a string."""
    if isinstance(parameter.type, BoolParamType):
        return Kind.BOOLEAN
    if isinstance(parameter.type, IntParamType):
        return Kind.INTEGER
    if isinstance(parameter.type, FloatParamType):
        return Kind.NUMBER
    return Kind.STRING


def configure(root: TyperGroup, ctx: ClickContext, name: str | None) -> None:
    """Read the configuration for the command `name`: its values become the command's defaults
    (ctx.default_map) and the rest is kept for the run (project_settings)."""
    if name not in CONFIGURED:  # `rule` and `schema` work whatever the file holds
        return
    settings = load_settings(Path.cwd(), configuration_spec(root, ctx))
    ctx.default_map = {
        command: _with_subcommands(root.get_command(ctx, command), values)
        for command, values in settings.options.items()
    }
    ctx.meta[SETTINGS] = settings


def _with_subcommands(command: object, values: Mapping[str, Any]) -> dict:
    """A group's values also reach its sub-commands' options of the same name: `[simulate]
    sample-rate` is the rate of `simulate explain` too."""
    found = dict(values)
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            names = {parameter.name for parameter in sub.params}
            found[name] = {key: value for key, value in values.items() if key in names}
    return found
