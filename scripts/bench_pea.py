"""Time pea against micrograd: one forward+backward of an MLP, and backward through a long chain.

Run from the repository root: `python scripts/bench_pea.py [--repeats 7]`. Prints a markdown table of the
median CPU seconds per iteration (`time.process_time`, so other processes on a shared machine count less).
micrograd (PyPI `micrograd`) is timed when it is importable.

- MLP: `MLP(2, [16, 16, 1])` on 100 two-moons points with micrograd's demo loss (a hinge loss plus L2
  regularisation), the loss both engines can compute. pea also runs the 01_nn lesson's loss,
  `cross_entropy_loss` on `MLP(2, [16, 16, 2])` (micrograd has no exp or log).
- chain: backward through 100,000 chained `+` ops. micrograd's recursive topological sort fails there.
"""
import argparse, gc, math, platform, random, statistics, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1])) # the repository root, where pea/ lives
from pea.engine import Value
from pea.nn import MLP, cross_entropy_loss

try:
    import micrograd.engine, micrograd.nn
except ImportError: micrograd = None

def make_moons(n=100, noise=0.1, seed=0):
    "`n` points on two interleaved half circles and their labels (0 or 1), as in the 01_nn lesson."
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        label, t = i % 2, rng.uniform(0, math.pi)
        x0, x1 = (math.cos(t), math.sin(t)) if label == 0 else (1 - math.cos(t), 0.5 - math.sin(t))
        X.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        y.append(label)
    return X, y

def hinge_step(mlp_cls, X, y):
    "A function running one forward+backward of micrograd's demo loss on a fresh `MLP(2, [16, 16, 1])`."
    random.seed(0)
    model = mlp_cls(2, [16, 16, 1])
    signs = [2 * t - 1 for t in y] # labels as -1/+1
    def step():
        scores = [model(x) for x in X]
        losses = [(1 + -s * score).relu() for s, score in zip(signs, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
    return step

def cross_entropy_step(X, y):
    "A function running one forward+backward of the 01_nn lesson's loss on pea's `MLP(2, [16, 16, 2])`."
    random.seed(0)
    model = MLP(2, [16, 16, 2])
    def step():
        loss = cross_entropy_loss([model(x) for x in X], y)
        model.zero_grad()
        loss.backward()
    return step

def chain_backward(value_cls, n=100_000):
    "A function running backward through `n` chained `+` ops (the chain is built outside the timing)."
    x = value_cls(1.0)
    v = x
    for _ in range(n): v = v + 1.0
    return v.backward

def median_time(fns, repeats):
    "Median CPU seconds of each function, calls interleaved so a change in load hits them alike."
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            gc.collect() # start each call with no garbage left by the previous one
            t0 = time.process_time()
            fn()
            ts.append(time.process_time() - t0)
    return [statistics.median(ts) for ts in times]

def cpu_model():
    "The CPU model name from /proc/cpuinfo, or what `platform` knows."
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or 'unknown'

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=7, help='timed calls per cell (the median is reported)')
    args = parser.parse_args()
    X, y = make_moons()
    print(f'CPU: {cpu_model()} | Python {platform.python_version()} | micrograd: {"yes" if micrograd else "not installed"}')
    print(f'median CPU seconds per call over {args.repeats} repeats\n')
    # MLP with the hinge loss: both engines, calls interleaved
    fns = [hinge_step(MLP, X, y)] + ([hinge_step(micrograd.nn.MLP, X, y)] if micrograd else [])
    t_hinge = median_time(fns, args.repeats)
    # MLP with cross-entropy: pea only
    t_ce, = median_time([cross_entropy_step(X, y)], args.repeats)
    # 100,000-node chain: micrograd's recursive sort raises RecursionError
    t_chain, = median_time([chain_backward(Value)], args.repeats)
    chain_mg = None
    if micrograd:
        try: chain_backward(micrograd.engine.Value)()
        except RecursionError: chain_mg = 'RecursionError'
    rows = [('MLP(2,[16,16,1]) hinge, 100 points, fwd+bwd', t_hinge[0], t_hinge[1] if micrograd else None),
            ('MLP(2,[16,16,2]) cross-entropy, 100 points, fwd+bwd', t_ce, 'no exp/log' if micrograd else None),
            ('chain of 100,000 `+`, backward', t_chain, chain_mg)]

    print('| benchmark | pea (s) | micrograd (s) | micrograd / pea |')
    print('| --- | ---: | ---: | ---: |')
    for name, t_pea, t_mg in rows:
        if isinstance(t_mg, float): mg, ratio = f'{t_mg:.4f}', f'{t_mg / t_pea:.1f}x'
        else: mg, ratio = t_mg or 'not installed', '-'
        print(f'| {name} | {t_pea:.4f} | {mg} | {ratio} |')

if __name__ == '__main__': main()
