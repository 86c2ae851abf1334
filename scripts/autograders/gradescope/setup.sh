#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (docs/autograders.md):
# labgrade in its own virtualenv, from the wheel in the zip (or from PyPI when there is none).
set -euo pipefail
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv
python3 -m venv /opt/labgrade
wheel=$(ls /autograder/source/labgrade-*.whl 2>/dev/null | head -n 1 || true)
/opt/labgrade/bin/pip install -q "${wheel:-labgrade}"
ln -sf /opt/labgrade/bin/labgrade /usr/local/bin/labgrade
