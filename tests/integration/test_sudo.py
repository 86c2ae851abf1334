"""`--sudo` with the real sudo: a non-root login with passwordless sudo grades like root; one
whose sudo wants a password is a one-line error (exit 3); without --sudo the report says why
most checks could not be graded. The users and sudoers exist only inside the host's private
mount namespace (bind mounts), so they vanish with it."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from hostops import REPO, labgrade, on_host, own_hosts

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
def sudo_lab(lab, tmp_path_factory):
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed (scripts/setup.sh installs it)")
    tmp = tmp_path_factory.mktemp("sudo")
    with own_hosts(lab, {"lg-sudo": "complete"}, tmp) as (hosts, ssh_config):
        on_host(hosts["lg-sudo"], USERS)
        yield hosts, ssh_config


@pytest.fixture(scope="module")
def sudo_host(sudo_lab):
    return sudo_lab[1]


@pytest.fixture(scope="module")
def lab_hosts(sudo_lab):
    return sudo_lab[0]


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


def test_without_sudo_the_host_is_an_error_with_the_remedy(sudo_host) -> None:
    """A gather the login may not do as root is no grade at all (was: 11/100, exit 1): exit 3,
    one line saying what was refused and what to do."""
    done = grade(sudo_host, "stack")
    assert done.returncode == 3, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("labgrade: cannot grade ssh://stack@lg-sudo: gathered as uid 4243, not")
    assert "`iptables-save`" in line and "pass --sudo" in line and "docs/security.md" in line
    result = json.loads(grade(sudo_host, "stack", "--format", "json").stdout)
    assert (result["status"], result["exercises"]) == ("error", [])


def test_a_batch_without_sudo_gives_that_student_an_error_row(sudo_host, tmp_path) -> None:
    inventory = tmp_path / "class.yaml"
    inventory.write_text(
        "students:\n"
        "  - {id: rooted, target: 'ssh://stack@lg-sudo', sudo: true}\n"
        "  - {id: forgot, target: 'ssh://stack@lg-sudo'}\n"
    )
    out = tmp_path / "out"
    done = labgrade("batch", str(inventory), "--out", str(out), "--ssh-config", str(sudo_host))
    assert done.returncode == 3, done.stderr
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert (rows["rooted"]["status"], rows["rooted"]["score"]) == ("graded", "100")
    assert (rows["forgot"]["status"], rows["forgot"]["score"]) == ("error", "")
    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot()}
    errors = [e.get("message", "") for e in suites["forgot"].iter("error")]
    assert errors and "not root" in errors[0] and "--sudo" in errors[0]
    assert not list(suites["rooted"].iter("error"))


def gathered_by_hand(host, command: str, tmp_path) -> str:
    """The snapshot the collect script prints when COMMAND (`sh /run/lab/collect.sh`) runs as
    the unprivileged user `stack` on the host, saved to a file here."""
    script = (REPO / "grader" / "gather.sh").read_text()
    on_host(host, f"cat > /run/lab/collect.sh <<'EOF'\n{script}EOF\nchmod 0644 /run/lab/collect.sh")
    out = on_host(host, f"su -s /bin/sh stack -c {command!r}", timeout=90)
    path = tmp_path / "hand.json"
    path.write_text(out)
    return str(path)


def test_a_hand_gather_without_root_is_an_error_and_with_sudo_a_grade(
    sudo_host, lab_hosts, tmp_path
) -> None:
    """`local://`-style: the collect script run on the host by a real unprivileged user, then
    graded here: without sudo an error naming the remedy, with the real sudo 100/100."""
    host = lab_hosts["lg-sudo"]
    plain = gathered_by_hand(host, "sh /run/lab/collect.sh", tmp_path)
    done = labgrade("check", "--snapshot", plain)
    assert done.returncode == 3, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "gathered as uid 4243, not root" in line and "gather it again as root" in line
    with_sudo = gathered_by_hand(host, "sudo -n sh /run/lab/collect.sh", tmp_path)
    done = labgrade("check", "--snapshot", with_sudo, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["score"] == 100
