"""Real servers for end-to-end tests: ``scripts/serve`` processes in production mode,
sharing one fresh PostgreSQL database (a copy of one migrated once) and a Redis of their
own (a redis-server on a free port, so a test can stop and start it); and what any test
that starts a process needs (the repository root, a free port, an environment without the
test settings)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg

from tests.helpers import CONSENTS, PASSWORD

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the settings a test server must not inherit
    (the test database, Redis, Django settings, mode and secrets), plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SERVER_MODE", "DATA_DIR"):
        env.pop(key, None)
    env["PYTHON"] = sys.executable
    env.update(extra)
    return env


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                import redis

                if redis.Redis(port=self.port).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class Server:
    def __init__(self, env: dict[str, str], workdir: Path, migrate: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = env.get("DATABASE_URL", "")  # empty: embedded mode, SQLite
        env = {**env, "PORT": str(self.port), "DATA_DIR": str(workdir)}
        if not migrate:
            env["SKIP_MIGRATE"] = "1"
        self.log = open(workdir / "server.log", "w")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        if self.process.poll() is None:  # not answering: not left running after the test
            self.process.kill()
            self.process.wait(10)
        self.log.close()
        raise RuntimeError(f"server did not start: {(workdir / 'server.log').read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(20)
        self.log.close()

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def form_care_team(
        self, customer_id: int, customer_token: str, dietitian_id: int, dietitian_token: str
    ) -> None:
        """The dietitian offers the customer their care and the customer accepts (a care
        team forms only with both sides' agreement)."""
        body = {"customer_id": customer_id, "professional_id": dietitian_id}
        status, offer = self.call("POST", "/api/care-team", body, token=dietitian_token)
        assert status == 202, offer
        accept = f"/api/care-requests/{offer['id']}/accept"
        status, answer = self.call("POST", accept, token=customer_token)
        assert status == 200 and answer["status"] == "accepted", answer

    def create_account(self, name: str) -> tuple[int, str]:
        """A new customer account: (user id, email); the password is ``PASSWORD``."""
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
        user_id, _ = self._sign_up_and_in(email, name)
        return user_id, email

    def member(self, name: str) -> tuple[int, str, str]:
        """A new customer account: (user id, email, access token)."""
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
        user_id, token = self._sign_up_and_in(email, name)
        return user_id, email, token

    def sign_up(self, name: str) -> tuple[int, str]:
        return self._sign_up_and_in(f"{name}-{uuid.uuid4().hex[:8]}@example.org", name)

    def _sign_up_and_in(self, email: str, name: str) -> tuple[int, str]:
        """Sign up (the answer does not name the account), confirm the address, then sign
        in: (id, token). The member has gone through onboarding (``finish_onboarding``)."""
        status, answer = self.call(
            "POST",
            "/api/auth/signup",
            {"email": email, "password": PASSWORD, "display_name": name, "consents": CONSENTS},
        )
        assert status == 202, answer
        self.confirm_address(email)
        status, tokens = self.call(
            "POST", "/api/auth/token", {"email": email, "password": PASSWORD}
        )
        assert status == 200, tokens
        status, me = self.call("GET", "/api/me", token=tokens["access_token"])
        assert status == 200, me
        self.finish_onboarding(me["id"])
        return me["id"], tokens["access_token"]

    def finish_onboarding(self, user_id: int) -> None:
        """Mark a new customer's onboarding done, so "/" opens the messages as it does
        for a member who went through it (production mode; an embedded server's members
        keep theirs: no test opens its pages)."""
        if not self.database_url:
            return
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE profiles_profile SET onboarding_step = 'done', onboarded_at = now() "
                "WHERE customer_id = %s",
                (user_id,),
            )

    def confirm_address(self, email: str) -> None:
        """Confirm the address so the account signs in. In embedded mode the mail is sent
        at once and printed to the log: follow its link as the owner would. In production
        mode the mail waits for a Celery worker these servers do not run: mark the address
        verified in the database, as following the link does."""
        if not self.database_url:
            self.log.flush()
            log = Path(self.log.name).read_text()
            mail = log.rsplit(f"To: {email}", 1)[-1]
            found = re.search(r"/verify-email\?token=(\S+)", mail)
            assert found, f"no link mailed to {email}"
            status, answer = self.call("POST", "/api/auth/verify-email", {"token": found[1]})
            assert status == 200, answer
            return
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            done = conn.execute(
                "UPDATE accounts_user SET email_verified_at = now() "
                "WHERE email = %s AND email_verified_at IS NULL",
                (email,),
            )
            assert done.rowcount == 1, email

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"


# An embedded server's SQLite database migrated once per test process (SQLite migrates
# slowly: it rebuilds a table for most changes); servers that are not about a first start
# begin with a copy and migrate it again, which finds nothing to do.
_sqlite_template: Path | None = None


def with_migrated_sqlite(workdir: Path, templates: Path) -> Path:
    """``workdir`` holding a copy of a migrated embedded-mode database (``templates``: a
    directory for the one it is copied from); for ``Server(..., workdir, migrate=True)``."""
    global _sqlite_template
    if _sqlite_template is None:
        templates.mkdir(parents=True, exist_ok=True)
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=clean_env(DATA_DIR=str(templates), DJANGO_SETTINGS_MODULE="server.settings"),
            capture_output=True,
            text=True,
        )
        if migrated.returncode != 0:
            raise RuntimeError(f"migrating the SQLite template failed: {migrated.stderr}")
        _sqlite_template = templates / "db.sqlite3"
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, workdir / "db.sqlite3")
    return workdir


# The database every cluster's is a copy of: migrated once per test process (``migrate``,
# as ``scripts/serve`` runs it), then copied by PostgreSQL for each cluster, which is much
# faster than migrating each one. Dropped when the session ends (tests/conftest.py).
_template: str | None = None


def _migrated_template(env: dict[str, str], workdir: Path) -> str:
    global _template
    if _template is None:
        name = f"edt_template_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0]
        migrated = subprocess.run(
            [env["PYTHON"], "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={
                **env,
                "DATABASE_URL": f"{base}/{name}",
                "DJANGO_SETTINGS_MODULE": "server.settings",
                "DATA_DIR": str(workdir),
            },
            capture_output=True,
            text=True,
        )
        if migrated.returncode != 0:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise RuntimeError(
                f"migrating the clusters' template failed: {migrated.stdout}{migrated.stderr}"
            )
        _template = name
    return _template


def drop_migrated_template() -> None:
    global _template
    if _template is not None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = None


class Cluster:
    """Servers sharing a database (born migrated) and a Redis of their own."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.tmp = tmp
        self.database = f"edt_cluster_{uuid.uuid4().hex[:8]}"
        self.redis = RedisServer(tmp)
        self.redis.start()
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.env = clean_env(
            DATABASE_URL=f"{base}/{self.database}",
            REDIS_URL=self.redis.url,
            SECRET_KEY="cluster-test-secret-key-0123456789abcdefghij",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DEBUG="0",
            PRESENCE_TTL_SECONDS="3",
            REALTIME_TAIL_CHECK_SECONDS="1",
            WS_SEND_QUEUE_BYTES="262144",
            # The slow-reader test posts a thousand messages as fast as it can.
            RATE_ACTIONS_PER_SECOND="10000",
            RATE_ACTIONS_BURST="10000",
            # Every test account is signed up from 127.0.0.1.
            SIGN_UPS_PER_HOUR="10000",
            LOG_LEVEL="WARNING",
        )
        self.env.update(env)
        try:
            template = _migrated_template(self.env, tmp / "template")
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{template}"')
        except BaseException:
            self.redis.stop()
            raise
        self.servers: list[Server] = []

    def start_server(self, **env: str) -> Server:
        """A server on the cluster's database and Redis; ``env`` adds to the cluster's. The
        database is migrated already: no server migrates it again."""
        workdir = self.tmp / f"server{len(self.servers)}"
        workdir.mkdir()
        server = Server({**self.env, **env}, workdir, migrate=False)
        self.servers.append(server)
        return server

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        """Run one statement on the cluster's database (test set-up an admin would do)."""
        base = PG_ADMIN.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/{self.database}", autocommit=True) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def set_role(self, user_id: int, role: str) -> None:
        """Give an account a role, as an admin would."""
        self.sql("UPDATE accounts_user SET role = %s WHERE id = %s", role, user_id)

    def category(self, name: str, slug: str, description: str = "") -> int:
        """A global forum category, as an admin would make it: its id."""
        rows = self.sql(
            "INSERT INTO community_category (name, slug, description, locale, region, position,"
            " created_at, slow_mode_seconds) VALUES (%s, %s, %s, '', '', 0, now(), 0)"
            " RETURNING id",
            name,
            slug,
            description,
        )
        return int(rows[0][0])  # type: ignore[call-overload]

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
