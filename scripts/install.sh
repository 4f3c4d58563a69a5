#!/usr/bin/env bash
# Installs everything Filewarden needs on a Debian machine (run as root):
# Debian packages (tesseract with Chinese and English data, poppler, Java for
# the OpenSearch test node) and the Python package with its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
  poppler-utils catdoc libarchive-tools
  chromium chromium-driver fonts-noto-cjk curl
)

# The OpenSearch test node is built with Maven and runs on Java 17 or newer.
command -v java >/dev/null || APT_PACKAGES+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || APT_PACKAGES+=(maven)

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
