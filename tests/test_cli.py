"""The `carnet` command, run as a user would (in a subprocess, through the installed script)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CARNET = shutil.which("carnet", path=str(Path(sys.executable).parent)) or "carnet"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "credentials"))

from samples import sample_credential  # noqa: E402


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [CARNET, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, "LANG": "C.UTF-8", **(env or {})},
        check=False,
    )


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    result = run("keygen")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "key.json"
    path.write_bytes(result.stdout)
    return path


@pytest.fixture
def badge_file(tmp_path: Path, key_file: Path) -> Path:
    key = json.loads(key_file.read_text())
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(sample_credential(key["controller"], "did:example:learner")))
    return path


def test_keygen_prints_a_multikey_pair():
    key = json.loads(run("keygen").stdout)
    assert key["type"] == "Multikey"
    assert key["publicKeyMultibase"].startswith("z6Mk") and key["secretKeyMultibase"].startswith("z3u2")
    assert key["controller"] == f"did:key:{key['publicKeyMultibase']}"


def test_keygen_for_did_web():
    key = json.loads(run("keygen", "--did-web", "https://example.org/orgs/cje").stdout)
    assert key["controller"] == "did:web:example.org:orgs:cje"
    assert key["id"].startswith("did:web:example.org:orgs:cje#")


def test_keygen_writes_the_key_only_encrypted(tmp_path: Path):
    out = tmp_path / "key.enc.json"
    result = run("keygen", "--out", str(out), env={"CARNET_KEY_PASSPHRASE": "correct horse battery"})
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert "secretKeyMultibase" not in printed
    stored = out.read_text()
    assert "secretKeyMultibase" not in stored and "z3u2" not in stored
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_sign_then_verify(tmp_path: Path, key_file: Path, badge_file: Path):
    signed = run("sign", "--key", str(key_file), str(badge_file))
    assert signed.returncode == 0, signed.stderr
    path = tmp_path / "signed.json"
    path.write_bytes(signed.stdout)
    result = run("verify", str(path))
    assert result.returncode == 0, result.stdout
    assert "Valide" in result.stdout.decode()
    english = run("verify", "--lang", "en", "--json", str(path))
    report = json.loads(english.stdout)
    assert report["valid"] is True and report["summary"] == "Valid."


def test_verify_reads_standard_input(tmp_path: Path, key_file: Path, badge_file: Path):
    signed = run("sign", "--key", str(key_file), str(badge_file)).stdout
    assert run("verify", "-", stdin=signed).returncode == 0


def test_verify_exits_1_when_not_valid(tmp_path: Path, key_file: Path, badge_file: Path):
    signed = json.loads(run("sign", "--key", str(key_file), str(badge_file)).stdout)
    signed["name"] = "Changed"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(signed))
    result = run("verify", "--json", str(path))
    assert result.returncode == 1
    assert json.loads(result.stdout)["valid"] is False


def test_usage_errors_exit_2(tmp_path: Path):
    assert run("verify").returncode == 2
    assert run("verify", str(tmp_path / "missing.json")).returncode == 2
    assert run("frobnicate").returncode == 2


def test_sign_as_jwt(tmp_path: Path, key_file: Path, badge_file: Path):
    token = run("sign", "--format", "jwt", "--key", str(key_file), str(badge_file))
    assert token.returncode == 0, token.stderr
    assert token.stdout.count(b".") == 2
    assert run("verify", "-", stdin=token.stdout).returncode == 0


def test_sign_reports_schema_problems(tmp_path: Path, key_file: Path, badge_file: Path):
    document = json.loads(badge_file.read_text())
    del document["credentialSubject"]["achievement"]["criteria"]
    badge_file.write_text(json.dumps(document))
    result = run("sign", "--key", str(key_file), str(badge_file))
    assert result.returncode == 1
    assert b"$.credentialSubject.achievement" in result.stderr


def test_bake_unbake_and_verify_an_image(tmp_path: Path, key_file: Path, badge_file: Path):
    signed = tmp_path / "signed.json"
    signed.write_bytes(run("sign", "--key", str(key_file), str(badge_file)).stdout)
    image = tmp_path / "image.svg"
    image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')
    baked = tmp_path / "baked.svg"
    assert run("bake", "--credential", str(signed), str(image), "-o", str(baked)).returncode == 0
    assert json.loads(run("unbake", str(baked)).stdout) == json.loads(signed.read_text())
    assert run("verify", str(baked)).returncode == 0


def test_did_document_publishes_every_key(tmp_path: Path):
    paths = []
    for name in ("old", "new"):
        path = tmp_path / f"{name}.json"
        path.write_bytes(run("keygen", "--did-web", "https://example.org").stdout)
        paths.append(path)
    keys = [json.loads(p.read_text()) for p in paths]
    keys[1]["controller"] = keys[0]["controller"]
    paths[1].write_text(json.dumps(keys[1]))
    document = json.loads(run("did-document", *map(str, paths)).stdout)
    assert len(document["assertionMethod"]) == 2
    assert "secretKeyMultibase" not in json.dumps(document)


def test_demo_runs(tmp_path: Path):
    result = run("credentials-demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    for name in ("credential.json", "credential.jwt", "badge.png", "badge.svg"):
        assert (tmp_path / "demo" / name).exists()
    assert "révocation" in result.stdout.decode()


def test_keygen_never_overwrites_a_key_file(tmp_path: Path):
    out = tmp_path / "key.enc.json"
    env = {"CARNET_KEY_PASSPHRASE": "correct horse battery"}
    assert run("keygen", "--out", str(out), env=env).returncode == 0
    again = run("keygen", "--out", str(out), env=env)
    assert again.returncode == 2 and b"Traceback" not in again.stderr and b"already exists" in again.stderr


def test_sign_refuses_what_is_not_a_credential(tmp_path: Path, key_file: Path):
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    result = run("sign", "--key", str(key_file), str(empty))
    assert result.returncode == 1 and b"Traceback" not in result.stderr
