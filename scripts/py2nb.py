"""Write a notebook from a percent-format script, with stable cell ids (nbformat 4.5).

Authoring aid: `python scripts/py2nb.py draft.py nbs/NN_name.ipynb`. Cells are separated by
`# %%` (code) and `# %% [markdown]` (markdown, each line prefixed with `# `). Cell ids are
derived from the notebook name and the cell's position, so re-writing gives the same ids and
`nbdev_export` stays deterministic. Outputs are not kept: execute the notebook afterwards
(`jupyter nbconvert --to notebook --execute --inplace`), then `nbdev_clean`.
"""
import hashlib, json, re, sys
from pathlib import Path

def _cells(text):
    parts = re.split(r'^# %%(.*)$', text, flags=re.M)
    # parts = [preamble, header1, body1, header2, body2, ...]
    for header, body in zip(parts[1::2], parts[2::2]):
        body = body.strip('\n')
        if '[markdown]' in header:
            lines = [re.sub(r'^# ?', '', l) for l in body.splitlines()]
            yield 'markdown', '\n'.join(lines).strip('\n')
        else: yield 'code', body

def py2nb(src, dest):
    "Convert percent-format `src` to the notebook `dest` with deterministic cell ids."
    dest = Path(dest)
    cells = []
    for i, (kind, source) in enumerate(_cells(Path(src).read_text())):
        cid = hashlib.sha1(f'{dest.stem}:{i}'.encode()).hexdigest()[:8]
        cell = dict(cell_type=kind, id=cid, metadata={}, source=source.splitlines(keepends=True))
        if kind == 'code': cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    nb = dict(cells=cells, nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')))
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__': py2nb(*sys.argv[1:3])
