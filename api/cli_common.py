"""What every `kapula` command shares: the context that opens Kapula and names the caller, the exit
code of each Kapula error (api/error_table.py), and `run`, which turns a use case's result into text or JSON
and its error into one readable line. The command modules import this; nothing here imports them."""

from __future__ import annotations

import dataclasses
import enum
import errno
import getpass
import json
import math
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

import click

from api.error_table import answer_of
from engine.bootstrap import open_kapula
from engine.errors import (
    AuthenticationError,
    DiagramError,
    InvalidDataError,
    KapulaError,
    NotFoundError,
)
from engine.services import Kapula
from engine.services.accounts import Directory
from engine.services.gate import Caller, operator

# the command line speaks English; durations, numbers and times are written as on the pages (engine/display)
CLI_LOCALE = "en"


def plain(value: Any) -> Any:
    """Dataclasses, enums and datetimes as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def parse_data(text: str | None, *, param_hint: str = "--data") -> dict[str, Any] | None:
    """`--data` (or the option `param_hint` names) as a JSON object, or None when not given.
    Raises click.BadParameter (exit code 2)."""
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} at column {exc.colno}", param_hint=param_hint) from exc
    except RecursionError as exc:  # deeper than the parser goes; the data limits refuse far less
        raise click.BadParameter("nested too deep", param_hint=param_hint) from exc
    if not isinstance(data, dict):
        raise click.BadParameter('must be a JSON object, e.g. {"segment": "founder"}', param_hint=param_hint)
    return data


class Context:
    def __init__(self, database: str | None) -> None:
        self.database = database
        self._kapula: Kapula | None = None

    @property
    def kapula(self) -> Kapula:
        if self._kapula is None:
            self._kapula = open_kapula(self.database)
        return self._kapula

    def open(self, **kwargs: Any) -> Kapula:
        """A Kapula with other wiring (e.g. a simulated clock), closed with the command."""
        self.close()
        self._kapula = open_kapula(self.database, **kwargs)
        return self._kapula

    def caller(self, user: str | None = None) -> Caller:
        """Who acts: `--user NAME` (an existing user, held to the access rules), else the console's
        operator, an administrator named for the access log after the operating-system account.
        Raises NotFoundError for an unknown user."""
        origin = "kapula " + click.get_current_context().command_path.partition(" ")[2]
        if user is None:
            return Caller(operator(getpass.getuser()), origin=origin)
        try:
            principal = Directory(self.kapula.sessions, self.kapula.clock).principal(user)
        except AuthenticationError:
            raise NotFoundError("user", user) from None
        return Caller(principal, origin=origin)

    def close(self) -> None:
        if self._kapula is not None:
            self._kapula.close()
            self._kapula = None


pass_ctx = click.make_pass_decorator(Context)

T = TypeVar("T")


def run(as_json: bool, action: Callable[[], T], show: Callable[[T], None]) -> None:
    """Run one command: errors become a readable message and an exit code; output is text or JSON."""
    try:
        result = action()
    except KapulaError as exc:
        _fail(as_json, exc)
    except OSError as exc:
        if exc.filename is None:
            raise
        # a file the command was told to write or read (export -o, docs --out) is invalid input:
        # one line and the exit code of invalid data (README), not click's undocumented 1
        _fail(as_json, _file_error(exc))
    if as_json:
        click.echo(json.dumps(plain(result), ensure_ascii=False, indent=2))
    else:
        show(result)


def _fail(as_json: bool, exc: KapulaError) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"error": type(exc).__name__, "message": exc.message, **_error_details(exc)}))
    else:
        click.echo(f"error: {exc.message}", err=True)
    sys.exit(answer_of(exc).exit_code)


def _file_error(exc: OSError) -> InvalidDataError:
    """The file error as invalid data naming the path, and the missing folder when that is why."""
    path = Path(os.fsdecode(exc.filename))
    folder = path.parent
    why = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError) and not folder.is_dir():
        why = f"the folder {folder} does not exist"
    return InvalidDataError(f"cannot use the file {path}: {why}", field_errors={"file": str(path)})


def _error_details(exc: KapulaError) -> dict[str, Any]:
    if isinstance(exc, DiagramError):
        return {"issues": plain(exc.issues)}
    if isinstance(exc, InvalidDataError):
        return {"field_errors": exc.field_errors}
    return {}


class FiniteFloat(click.FloatRange):
    """A FloatRange that also refuses nan and inf: nan passes every range check (a comparison with
    it is false), and `serve --tick nan` then failed in the settings with a traceback."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number of seconds or hours", param, ctx)
        return number


# ids are stored as 32-bit integers; a larger one is a usage error, not an OverflowError from the driver
ROW_ID = click.IntRange(1, 2**31 - 1)
VERSION = click.IntRange(1, 2**31 - 1)

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")


force_option = click.option("--force", is_flag=True, help="Overwrite files that already exist (default: refuse them).")


def refuse_existing(paths: list[Path], force: bool, *, param_hint: str) -> None:
    """Every command that writes files refuses one that exists (a file, a folder or a symlink, even a
    dangling one) unless --force, before it writes anything: `export -o /etc/passwd` overwrote it.
    Raises click.BadParameter (exit code 2)."""
    if force:
        return
    taken = [p for p in paths if p.exists() or p.is_symlink()]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise click.BadParameter(f"{taken[0]} already exists{more}; use --force to overwrite", param_hint=param_hint)


_NOT_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def file_target(path: Path) -> Path:
    """Where writing the file `path` puts it: a symlink's final target, written through as a shell's
    `>` does (the link stays a link), else `path`. Anything there but a regular file is refused
    (OSError naming `path`, exit code 6 through `run`): a file is written beside it and renamed over
    it, which would have put a file in place of a device (`export -o /dev/full --force` replaced
    /dev/full), a named pipe, a folder or a symlink."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if stat.S_ISREG(mode):
        return target
    kind = next((name for test, name in _NOT_FILES if test(mode)), "not a regular file")
    raise OSError(errno.EINVAL, f"it is {kind}; the command writes regular files only", str(path))


def _beside(path: Path) -> Path:
    """A hidden temporary name in `path`'s folder, so putting it in place is a rename there."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")


def put_file(path: Path, content: bytes) -> None:
    """Write `content` as the file `path` (through a symlink: `file_target`), whole or not at all: to a
    temporary name beside it, then renamed over it. Raises OSError naming `path`."""
    target = file_target(path)
    temporary = _beside(target)
    try:
        temporary.write_bytes(content)
        os.replace(temporary, target)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def new_text_file(path: Path, force: bool, *, param_hint: str) -> Iterator[IO[str]]:
    """A text file written to a temporary name beside `path` and put in place only when the block ends
    without an error, so a failed command leaves nothing behind and an existing file as it was. Without
    `force` an existing `path` is refused before and (hard link, no overwrite) when put in place; with
    it, a symlink is written through and what is not a regular file refused (`file_target`)."""
    refuse_existing([path], force, param_hint=param_hint)
    path = file_target(path)
    temporary = _beside(path)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to open()
    except OSError as exc:  # named as the file asked for (a missing folder, no permission), not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            yield out
        if force:
            os.replace(temporary, path)
            return
        try:
            os.link(temporary, path)  # fails if `path` appeared meanwhile; never overwrites
        except FileExistsError:
            refuse_existing([path], force, param_hint=param_hint)
            raise
        except OSError:  # a file system without hard links
            refuse_existing([path], force, param_hint=param_hint)
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
