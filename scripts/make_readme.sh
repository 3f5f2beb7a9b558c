#!/usr/bin/env bash
# Render README.md from nbs/index.ipynb (nbdev_readme needs Quarto and the internet; nbconvert does not).
# Links into the repository are written relative to nbs/ in the notebook and to the top level in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
jupyter nbconvert --log-level=WARN --to markdown nbs/index.ipynb --output-dir . --output README
sed -i 's#](\.\./#](#g' README.md
