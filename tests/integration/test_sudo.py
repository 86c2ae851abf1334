"""`--sudo` with the real sudo: a non-root login with passwordless sudo grades like root; one
whose sudo wants a password is a one-line error (exit 3); without --sudo the report says why
most checks could not be graded. The users and sudoers exist only inside the host's private
mount namespace (bind mounts), so they vanish with it."""

from __future__ import annotations

import json
import shutil

import pytest
from hostops import labgrade, on_host, own_hosts

pytestmark = pytest.mark.lab

USERS = """
cp /etc/passwd /run/lab/passwd; cp /etc/group /run/lab/group; cp /etc/shadow /run/lab/shadow
for u in stack:4243 student:4244; do
  name=${u%:*}; id=${u#*:}
  echo "$name:x:$id:$id::/run/lab:/bin/sh" >> /run/lab/passwd
  echo "$name:x:$id:" >> /run/lab/group
  echo "$name:*:19000:0:99999:7:::" >> /run/lab/shadow
done
mount --bind /run/lab/passwd /etc/passwd
mount --bind /run/lab/group /etc/group
mount --bind /run/lab/shadow /etc/shadow
mount -t tmpfs -o mode=0755 tmpfs /etc/sudoers.d
printf 'stack ALL=(root) NOPASSWD: ALL\\nstudent ALL=(ALL) ALL\\n' > /etc/sudoers.d/lab
chmod 0440 /etc/sudoers.d/lab
"""


@pytest.fixture(scope="module")
def sudo_host(lab, tmp_path_factory):
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (scripts/setup.sh installs it)")
    tmp = tmp_path_factory.mktemp("sudo")
    with own_hosts(lab, {"lg-sudo": "complete"}, tmp) as (hosts, ssh_config):
        on_host(hosts["lg-sudo"], USERS)
        yield ssh_config


def grade(ssh_config, user: str, *extra: str):
    return labgrade(
        "check", f"ssh://{user}@lg-sudo", "--ssh-config", str(ssh_config), *extra, timeout=90
    )


def test_passwordless_sudo_grades_like_root(sudo_host) -> None:
    done = grade(sudo_host, "stack", "--sudo", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["score"], result["max_score"]) == (100, 100)
    assert result["remote_commands"] == 1


def test_sudo_wanting_a_password_is_one_line(sudo_host) -> None:
    done = grade(sudo_host, "student", "--sudo")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        "labgrade: cannot grade ssh://student@lg-sudo: sudo on lg-sudo wants a password; allow "
        "passwordless sudo for this user (e.g. a NOPASSWD line in /etc/sudoers.d/) or connect "
        "as root"
    ]


def test_without_sudo_the_report_says_why(sudo_host) -> None:
    done = grade(sudo_host, "stack", "--format", "json")
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["score"] < 100
    assert any("pass --sudo" in note for note in result["discovered"]["notes"])
    statuses = {c["status"] for e in result["exercises"] for c in e["checks"]}
    assert "error" in statuses
