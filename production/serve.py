"""`rasa run`, with its HTTP API locked: `python -m production.serve [rasa run arguments]`.

Rasa's HTTP API (/model, /conversations/..., /status) can replace the model or rewrite any
conversation. It stays off unless MILA_ENABLE_API=true, and then only with MILA_JWT_SECRET:
every call must carry a JWT signed with it (HS256). The secret is read from the environment and
handed to Rasa inside this process, so it never shows in the process list as `--jwt-secret`
would. Passing --enable-api, --auth-token or --jwt-secret directly is refused. Telemetry is off.
"""

from __future__ import annotations

import os
import sys

REFUSED = ("--enable-api", "--auth-token", "--jwt-secret", "--jwt-private-key")
MIN_SECRET_LENGTH = 32


class ConfigurationError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")


def rasa_arguments(args: list[str], environ: dict[str, str]) -> list[str]:
    """The full `rasa run` command line for `args` under `environ`."""
    for arg in args:
        if arg.split("=", 1)[0] in REFUSED:
            raise ConfigurationError(
                f"{arg.split('=', 1)[0]} is not accepted here: set MILA_ENABLE_API=true and "
                "MILA_JWT_SECRET instead (docs/production.md)"
            )
    command = ["rasa", "run", *args]
    if environ.get("MILA_ENABLE_API", "false").lower() == "true":
        secret = environ.get("MILA_JWT_SECRET", "")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"MILA_ENABLE_API=true needs MILA_JWT_SECRET, a secret of at least "
                f"{MIN_SECRET_LENGTH} characters (e.g. `openssl rand -hex 32`)"
            )
        command += ["--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256"]
    return command


def main() -> None:
    command = rasa_arguments(sys.argv[1:], dict(os.environ))
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    from rasa.__main__ import main as rasa_main

    sys.argv = command
    rasa_main()


if __name__ == "__main__":
    main()
