#!/usr/bin/python3
"""bench/compare-ref.py: `kiln-cli compare`'s cross-validation done by scikit-learn.

Given the CSV, the folds Kiln dealt (`kiln-cli compare --folds-csv FOLDS.csv`: the training rows
and their fold) and Kiln's trials (family and settings, from `compare --json`), fits the same
scikit-learn family with the same settings on each fold's training rows and scores it on the
held-out fold: accuracy and macro F1, or R² and RMSE. The preparation is refitted in every fold,
as Kiln does: median imputation and standard scaling of numbers, most-frequent imputation and
one-hot encoding of categories (../shared/reference/ref_train.py's ColumnTransformer).

usage: bench/compare-ref.py DATA.csv FOLDS.csv --target COL --task classification|regression
                            --trials TRIALS.json [--seed N]
TRIALS.json: [["forest", ""], ["knn", "k=15"], ...]. Prints JSON: {"trials": [{"model",
"settings", "scores", "second", "span", "seeds", "seconds"}], "cv_seconds", "read_seconds"}: per
fold means over the seeds (5 for the tree, whose ties scikit-learn breaks at random; else one),
"span" the lowest and highest mean over the seeds; a trial Kiln has and this script does not know
gets "scores": null. The preparation scales numbers only for the families Kiln scales them for.
"""
import argparse, json, time, warnings

t_start = time.perf_counter()
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LinearRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.ensemble import (RandomForestClassifier, RandomForestRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn import metrics

warnings.filterwarnings('ignore')

# The families whose KilnModelClass says needs_scaling: Kiln's recipe standardises numbers for
# them only (a Gaussian naive Bayes' variance smoothing, for one, depends on the scale).
SCALED = {'logreg', 'linear', 'ridge', 'mlp', 'knn'}
# scikit-learn's trees break ties between equally good splits at random (Kiln's take the first):
# their result is a span over seeds.
TREE_SEEDS = 5


def settings_dict(text):
    return dict(p.split('=', 1) for p in text.split() if '=' in p)


def make_model(family, settings, cls, seed):
    """The scikit-learn twin of a Kiln family with its compare settings (kiln-compare.c's
    compare_grids; the defaults are Kiln's kiln_model_options_init())."""
    s = settings_dict(settings)
    if family == 'logreg' and cls:
        return LogisticRegression(C=1.0 / float(s.get('l2', 1.0)), max_iter=5000)
    if family == 'linear' and not cls:
        return LinearRegression()
    if family == 'ridge' and not cls:
        return Ridge(alpha=float(s.get('l2', 1.0)))
    if family == 'mlp':
        hidden = tuple(int(x) for x in s.get('hidden', '64').split(','))
        kw = dict(hidden_layer_sizes=hidden, max_iter=int(s.get('epochs', 200)), alpha=1e-4,
                  batch_size=200, learning_rate_init=1e-3, n_iter_no_change=10, random_state=seed)
        # Kiln's MLP standardises a regression target
        return MLPClassifier(**kw) if cls else TransformedTargetRegressor(MLPRegressor(**kw),
                                                                         transformer=StandardScaler())
    if family == 'tree':
        kw = dict(max_depth=int(s.get('max-depth', 0)) or None,
                  min_samples_leaf=int(s.get('min-samples-leaf', 1)), random_state=seed)
        return DecisionTreeClassifier(**kw) if cls else DecisionTreeRegressor(**kw)
    if family == 'forest':
        kw = dict(n_estimators=int(s.get('trees', 100)), max_depth=int(s.get('max-depth', 0)) or None,
                  min_samples_leaf=int(s.get('min-samples-leaf', 1)), random_state=seed, n_jobs=2)
        return RandomForestClassifier(**kw) if cls else RandomForestRegressor(**kw)
    if family == 'gbt':
        kw = dict(max_iter=int(s.get('rounds', 100)), learning_rate=float(s.get('lr', 0.1)),
                  max_leaf_nodes=int(s.get('leaves', 31)), min_samples_leaf=20,
                  early_stopping=False, random_state=seed)
        return HistGradientBoostingClassifier(**kw) if cls else HistGradientBoostingRegressor(**kw)
    if family == 'knn':
        k = int(s.get('k', 5))
        return KNeighborsClassifier(k) if cls else KNeighborsRegressor(k)
    if family == 'nb' and cls:
        return GaussianNB()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('folds')
    ap.add_argument('--target', required=True)
    ap.add_argument('--task', choices=['classification', 'regression'], required=True)
    ap.add_argument('--trials', required=True)
    ap.add_argument('--seed', type=int, default=42)
    a = ap.parse_args()
    cls = a.task == 'classification'

    t0 = time.perf_counter()
    df = pd.read_csv(a.data)
    folds = pd.read_csv(a.folds)
    read_seconds = time.perf_counter() - t0
    trials = json.load(open(a.trials))

    t0 = time.perf_counter()
    df = df.iloc[folds['row'].to_numpy()].reset_index(drop=True)
    fold = folds['fold'].to_numpy()
    y = df[a.target].astype(str) if cls else df[a.target].astype(float)
    X = df.drop(columns=[a.target])
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]

    def prep(family):
        numbers = [SimpleImputer(strategy='median')] + ([StandardScaler()] if family in SCALED else [])
        return ColumnTransformer([
            ('n', make_pipeline(*numbers), num),
            ('c', make_pipeline(SimpleImputer(strategy='most_frequent'),
                                OneHotEncoder(handle_unknown='ignore', sparse_output=False)), cat)])

    out = []
    for family, settings in trials:
        if make_model(family, settings, cls, a.seed) is None:
            out.append({'model': family, 'settings': settings, 'scores': None})
            continue
        seeds = range(TREE_SEEDS) if family == 'tree' else [a.seed]
        runs = []
        for seed in seeds:
            scores, second, seconds = [], [], []
            for f in range(int(fold.max()) + 1):
                tr, te = fold != f, fold == f
                t1 = time.perf_counter()
                model = make_pipeline(prep(family), make_model(family, settings, cls, seed))
                model.fit(X[tr], y[tr])
                pred = model.predict(X[te])
                seconds.append(time.perf_counter() - t1)
                if cls:
                    scores.append(metrics.accuracy_score(y[te], pred))
                    second.append(metrics.f1_score(y[te], pred, average='macro'))
                else:
                    scores.append(metrics.r2_score(y[te], pred))
                    second.append(float(np.sqrt(metrics.mean_squared_error(y[te], pred))))
            runs.append((scores, second, float(np.mean(seconds))))
        means = [float(np.mean(r[0])) for r in runs]
        out.append({'model': family, 'settings': settings,
                    'scores': [float(x) for x in np.mean([r[0] for r in runs], axis=0)],
                    'second': [float(x) for x in np.mean([r[1] for r in runs], axis=0)],
                    'span': [min(means), max(means)], 'seeds': len(runs),
                    'seconds': float(np.mean([r[2] for r in runs]))})
    print(json.dumps({'trials': out, 'cv_seconds': time.perf_counter() - t0,
                      'read_seconds': read_seconds,
                      'process_seconds': time.perf_counter() - t_start}))


if __name__ == '__main__':
    main()
