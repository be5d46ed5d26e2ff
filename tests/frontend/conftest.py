"""What the frontend tests share: the Node toolchain, the TypeScript client, the schema, Chromium."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO / "clients" / "typescript"
CHROMIUM = "/usr/bin/chromium"
# From docs of the stack (shared/design/stack.md): what Chromium needs as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def run(command: list[str], *, cwd: Path = CLIENT_DIR, env: dict | None = None, timeout: float = 300, check=True):
    """Run a command; on failure, fail the test with its output."""
    result = subprocess.run(
        command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` exited {result.returncode}\n--- stdout\n{result.stdout[-6000:]}"
            f"\n--- stderr\n{result.stderr[-6000:]}",
            pytrace=False,
        )
    return result


@pytest.fixture(scope="session")
def node_toolchain() -> dict[str, str]:
    """node (20 or newer) and npm, or a failure that says how to get them."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "The TypeScript client tests need Node.js 20+ and npm on PATH "
            f"(found node={node}, npm={npm}): apt-get install -y nodejs npm, or install Node 20 from nodejs.org.",
            pytrace=False,
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        pytest.fail(f"Node.js 20 or newer is needed for the TypeScript client, found {version}.", pytrace=False)
    return {"node": node, "npm": npm, "version": version}


@pytest.fixture(scope="session")
def ts_client(node_toolchain) -> Path:
    """clients/typescript with its locked dependencies installed (`npm ci`, skipped when already current)."""
    lock = CLIENT_DIR / "package-lock.json"
    stamp = CLIENT_DIR / "node_modules" / ".crm-installed-lock"
    digest = hashlib.sha256(lock.read_bytes() + (CLIENT_DIR / "package.json").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        run([node_toolchain["npm"], "ci", "--no-audit", "--no-fund"], timeout=600)
        stamp.write_text(digest)
    run([node_toolchain["npm"], "run", "--silent", "build:tools"])
    return CLIENT_DIR


@pytest.fixture(scope="session")
def openapi_json(tmp_path_factory) -> Path:
    """The server's schema as `manage.py spectacular` exports it (validated, warnings are errors)."""
    path = tmp_path_factory.mktemp("openapi") / "schema.json"
    run(
        [sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--validate", "--fail-on-warn",
         "--file", str(path)],
        cwd=REPO,
        timeout=120,
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Debian Chromium, installed when missing (never `playwright install`, which downloads)."""
    if not Path(CHROMIUM).exists() and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "chromium"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            timeout=900,
        )
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium "
            "(Playwright's own download is not used).",
            pytrace=False,
        )
    return CHROMIUM
