#!/usr/bin/env bash
# Page images of the report's results (the page where its quality section starts: training, quality and the
# start of speed) in both languages, for docs/ and the README.
# Run from the repository root after the measurements (e.g. the CIFAR-10 run); only the report
# rules rerun, once per language. Usage: docs/make-page-images.sh [snakemake options, e.g. --configfile ...]
set -euo pipefail
for language in ru en; do
  snakemake reports/report.pdf --cores 2 "$@" --config "report={language: $language}"
  python -m compressbench.report.pages reports/report.pdf "docs/report-results-$language.png" --language "$language" --section quality
done
