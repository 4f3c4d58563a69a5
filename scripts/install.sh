#!/usr/bin/env bash
# Installs everything Filewarden needs on a Debian machine (run as root):
# Debian packages (tesseract with Chinese and English data, poppler, Java for
# the OpenSearch test node) and the Python package with its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
  poppler-utils antiword catdoc
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
echo "Filewarden installed: $(command -v filewarden)"
