"""scikit-learn's HistGradientBoosting on TRAIN, scored on TEST, with the settings Kiln's gbt uses:
the same rounds, learning rate, leaves, depth, rows per leaf, L2 and bins, no early stopping, missing
values kept (NaN), text columns as native categorical features (ordinal codes) or one-hot encoded
(--categories onehot), numbers as they are.
Prints JSON: {"score": accuracy or R^2, "seconds": fit + predict}.
Run with Debian's /usr/bin/python3 (python3-sklearn 1.2)."""
import argparse, json, time, warnings
import numpy as np, pandas as pd
warnings.filterwarnings('ignore')
ap = argparse.ArgumentParser(); ap.add_argument('train'); ap.add_argument('test'); ap.add_argument('--target', required=True)
ap.add_argument('--task', choices=['classification', 'regression'], required=True)
ap.add_argument('--rounds', type=int, default=100); ap.add_argument('--lr', type=float, default=0.1)
ap.add_argument('--leaves', type=int, default=31); ap.add_argument('--depth', type=int, default=0)
ap.add_argument('--min-leaf', type=int, default=20); ap.add_argument('--l2', type=float, default=0.0)
ap.add_argument('--bins', type=int, default=255)
ap.add_argument('--categories', choices=['native', 'onehot'], default='native',
                help='text columns as native categorical features, or one-hot encoded (as Kiln one-hot encodes them)')
a = ap.parse_args()
tr, te = pd.read_csv(a.train), pd.read_csv(a.test)
tr, te = tr[tr[a.target].notna()], te[te[a.target].notna()]
ya, yb = tr.pop(a.target), te.pop(a.target)
cats = [c for c in tr.columns if tr[c].dtype == object]
if a.categories == 'onehot' and cats:
    # Kiln's encoding: one 0/1 column per level seen in training; a missing or unseen level is all zeros
    for c in cats:
        for v in sorted(set(tr[c].dropna().astype(str))):
            tr[c + '=' + v] = (tr[c].astype(str) == v).astype(float).where(tr[c].notna(), 0.0)
            te[c + '=' + v] = (te[c].astype(str) == v).astype(float).where(te[c].notna(), 0.0)
        tr.pop(c); te.pop(c)
    cats = []
for c in cats:
    levels = {v: i for i, v in enumerate(sorted(set(tr[c].dropna().astype(str))))}
    tr[c] = tr[c].map(lambda v: levels.get(str(v), np.nan) if pd.notna(v) else np.nan)
    te[c] = te[c].map(lambda v: levels.get(str(v), np.nan) if pd.notna(v) else np.nan)
Xa, Xb = tr.to_numpy(dtype=float), te.to_numpy(dtype=float)
mask = np.array([c in cats for c in tr.columns]) if cats else None
cls = a.task == 'classification'
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
kw = dict(max_iter=a.rounds, learning_rate=a.lr, max_leaf_nodes=a.leaves, max_depth=a.depth or None,
          min_samples_leaf=a.min_leaf, l2_regularization=a.l2, max_bins=a.bins, early_stopping=False,
          categorical_features=mask, random_state=0)
t = time.perf_counter()
if cls:
    names = sorted(set(ya.astype(str))); code = {c: i for i, c in enumerate(names)}
    ia, ib = ya.astype(str).map(code).values, yb.astype(str).map(code).values
    m = HistGradientBoostingClassifier(**kw).fit(Xa, ia); p = m.predict(Xb)
    score = float((p == ib).mean())
else:
    m = HistGradientBoostingRegressor(**kw).fit(Xa, ya); p = m.predict(Xb)
    score = float(1 - ((yb - p) ** 2).sum() / ((yb - yb.mean()) ** 2).sum())
print(json.dumps({'score': score, 'seconds': time.perf_counter() - t}))
