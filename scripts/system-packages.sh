#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Laser OS needs, only those missing.
# Usage: scripts/system-packages.sh run|test
set -euo pipefail

run_pkgs=(
  python3-venv            # the virtual environment
  tesseract-ocr tesseract-ocr-eng   # OCR of scans and photos
  libmagic1               # file types from their content
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core  # WeasyPrint PDFs
)
test_pkgs=(
  postgresql              # the suite runs against a private PostgreSQL instance too
  redis-server            # ... and a private Redis (the cache and the task broker)
  chromium                # operator pages are tested in a real browser (Debian's, via Playwright)
)

wanted=("${run_pkgs[@]}")
[ "${1:-run}" = "test" ] && wanted+=("${test_pkgs[@]}")

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A Python that is not Debian's own (pyenv, a tarball) brings its own venv: python3-venv is moot.
if python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Laser OS needs these system packages, and this machine has no apt-get:" >&2
  echo "  ${missing[*]}" >&2
  echo "Install them with your system's package manager, then run make again." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Installing ${missing[*]} needs root, and sudo is not installed. As root run:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
