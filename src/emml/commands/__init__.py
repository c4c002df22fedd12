"""Sub-commands of the `emml` CLI, one module each (see emml.cli.COMMANDS)."""


class CommandError(Exception):
    """A user error: the CLI prints the message on one line and exits with 2."""
