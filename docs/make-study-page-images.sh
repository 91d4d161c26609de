#!/usr/bin/env bash
# Page images of a finished study's report in both languages, for docs/: docs/study-<name>-<language>-p<N>.png.
# Run from the repository root after the study (e.g. configs/study-digits.yaml); it renders the report from
# results/study.json and results/study_findings.json (python -m compressbench.report.study), so no run reruns.
# Usage: docs/make-study-page-images.sh NAME CONFIGFILE... (e.g. digits config.yaml configs/study-digits.yaml)
set -euo pipefail
name="$1"
shift
for language in ru en; do
  out="reports/study-$language"
  python -m compressbench.report.study --language "$language" --out "$out" --configfile "$@"
  rm -f "docs/study-$name-$language-p"*.png
  pdftoppm -r 60 -png "$out/study.pdf" "$out/page"
  for page in "$out"/page-*.png; do
    number="${page##*-}"
    mv "$page" "docs/study-$name-$language-p${number#0}"  # page-01.png -> p1.png
  done
done
ls -l docs/study-"$name"-*.png
