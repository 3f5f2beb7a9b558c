#!/usr/bin/env bash
# Render README.md from nbs/index.ipynb (nbdev_readme needs Quarto and the internet; nbconvert does not).
set -euo pipefail
cd "$(dirname "$0")/.."
jupyter nbconvert --log-level=WARN --to markdown nbs/index.ipynb --output-dir . --output README
