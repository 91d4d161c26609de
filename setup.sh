#!/usr/bin/env bash
# Create .venv with everything the workflow and its tests need.
#   bash setup.sh             Python packages only
#   bash setup.sh --with-tex  also the Debian TeX packages for the PDF report (needs root/sudo)
set -euo pipefail
cd "$(dirname "$0")"

TEX_PACKAGES="latexmk texlive-latex-recommended texlive-latex-extra texlive-xetex texlive-lang-cyrillic
  texlive-fonts-recommended lmodern fonts-cmu poppler-utils"

if [[ "${1:-}" == "--with-tex" ]]; then
  if ! command -v xelatex >/dev/null || ! command -v latexmk >/dev/null || ! fc-list : family | grep -i "CMU Serif" >/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $TEX_PACKAGES
  fi
fi

[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements-dev.txt
.venv/bin/python -m pip install -q --no-deps -e .
echo "setup done: activate with 'source .venv/bin/activate'"
