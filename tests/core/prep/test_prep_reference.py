#!/usr/bin/python3
"""kiln-cli prep against pandas, numpy and scikit-learn on every CSV of the shared datasets:
duplicate counts (pandas duplicated), IQR bounds and outlier counts (numpy percentiles, linear,
through ../shared/reference/ref_prep.py) to 1e-12 relative, mean/median/mode imputation values
and counts, standard scaling (StandardScaler) to 1e-9 and min-max scaling (MinMaxScaler), and
one-hot columns (pandas.get_dummies). TAP output. Skips when pandas/sklearn are missing.

With --big, only the gzipped CSVs (flights-3m): unpacked, and checked without writing the
prepared table (458 one-hot columns of 3 million rows): duplicates, IQR bounds and counts, the
median, StandardScaler's mean and scale, and the one-hot column names."""
import gzip, json, math, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
big = '--big' in sys.argv[2:]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
reference = os.environ.get('KILN_REFERENCE_DIR', '')
try:
    import numpy as np
    import pandas as pd
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
except ImportError as e:
    print(f'1..0 # SKIP needs Debian python3-pandas and python3-sklearn ({e})')
    sys.exit(0)
if not os.path.isdir(datasets):
    print(f'1..0 # SKIP no datasets folder at {datasets}')
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix='kiln-prep-ref-')
if big:
    files = []
    for n in sorted(os.listdir(datasets)):
        if n.endswith('.csv.gz'):
            out = os.path.join(tmp, n[:-3])
            with gzip.open(os.path.join(datasets, n), 'rb') as src, open(out, 'wb') as dst:
                shutil.copyfileobj(src, dst)
            files.append(out)
else:
    files = sorted(os.path.join(datasets, n) for n in os.listdir(datasets) if n.endswith('.csv'))
problems = []


def kiln(*args):
    p = subprocess.run([cli, 'prep', *args, '--json'], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f'kiln-cli prep {" ".join(args)}: {p.stderr.strip()}')
    return json.loads(p.stdout)


def step(out, kind):
    return next(s for s in out['recipe']['steps'] if s['kind'] == kind)


def num(v):
    return float('nan') if v == 'nan' else float(v)


def rel_close(a, b, tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def check(name, cond, msg):
    if not cond:
        problems.append(f'{name}: {msg}')


def kiln_types(path):
    p = subprocess.run([cli, 'inspect', '--json', path], check=True, capture_output=True, text=True)
    return {c['name']: c['type'] for c in json.loads(p.stdout)['columns']}


def test_file(path):
    name = os.path.basename(path)
    d = pd.read_csv(path)
    types = kiln_types(path)
    # the columns both read as numbers / as categories
    numeric = [c for c in d.columns if pd.api.types.is_numeric_dtype(d[c])
               and types.get(c) in ('numeric', 'boolean')]
    categorical = [c for c in d.columns if d[c].dtype == object and types.get(c) == 'categorical']
    out_csv = os.path.join(tmp, 'out-' + name)

    # duplicates
    k = kiln(path, '--dedupe')
    check(name, k['duplicates'] == int(d.duplicated().sum()),
          f"duplicates kiln {k['duplicates']} pandas {int(d.duplicated().sum())}")
    check(name, k['rows_out'] == len(d.drop_duplicates()), 'rows after dedupe')

    # IQR bounds and counts, with the shared reference script
    ref = json.loads(subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_prep.py'), path],
                                    check=True, capture_output=True, text=True).stdout)
    k = kiln(path, '--iqr', '1.5', '--clip')
    s = step(k, 'iqr')['fitted']
    for i, c in enumerate(s['columns']):
        if c not in ref['bounds']:
            problems.append(f'{name}: {c} has IQR bounds in Kiln but is not numeric in pandas')
            continue
        lo, hi = ref['bounds'][c]
        check(name, rel_close(num(s['lower'][i]), lo, 1e-12) and rel_close(num(s['upper'][i]), hi, 1e-12),
              f"{c}: bounds kiln {s['lower'][i]} {s['upper'][i]} numpy {lo} {hi}")
    # outlier rules look at measurements only: numeric columns with more than two values (not
    # booleans, not 0/1 indicators, not constants)
    continuous = [c for c in numeric if types.get(c) == 'numeric' and d[c].nunique() > 2]
    check(name, set(s['columns']) == set(continuous),
          f"IQR columns kiln {s['columns']} pandas {continuous}")
    check(name, k['outliers'] == {c: n for c, n in ref['outliers'].items() if c in continuous},
          f"outliers kiln {k['outliers']} numpy {ref['outliers']}")

    # imputation: values and counts
    for how in ('mean', 'median', 'mode'):
        k = kiln(path, '--impute', how)
        s = step(k, 'impute')['fitted']
        for i, c in enumerate(s['columns']):
            x = d[c]
            if c in numeric:
                x = x.astype(float)
                want = x.mode().iloc[0] if how == 'mode' else (x.mean() if how == 'mean' else x.median())
                if x.notna().sum() == 0:
                    want = 0.0
                check(name, rel_close(num(s['numbers'][i]), float(want), 1e-12),
                      f"{c}: {how} kiln {s['numbers'][i]} pandas {want}")
            elif c in categorical:
                want = x.mode().iloc[0] if x.notna().any() else None
                check(name, s['texts'][i] == want, f"{c}: mode kiln {s['texts'][i]} pandas {want}")
        want = {c: int(d[c].isna().sum()) for c in d.columns
                if d[c].isna().any() and (c in numeric or c in categorical)}
        check(name, k['imputed'] == want, f"imputed ({how}) kiln {k['imputed']} pandas {want}")

    # standard and min-max scaling, values as written to CSV
    for how, scaler, tol in (('standard', StandardScaler, 1e-9), ('minmax', MinMaxScaler, 1e-12)):
        kiln(path, '--scale', how, '--out', out_csv)
        o = pd.read_csv(out_csv)
        worst = 0.0
        for c in numeric:
            x = d[[c]].astype(float).to_numpy()
            want = scaler().fit_transform(x)[:, 0]
            got = o[c].to_numpy(dtype=float)
            check(name, bool(np.array_equal(np.isnan(want), np.isnan(got))), f'{c}: missing cells differ')
            m = ~np.isnan(want)
            if m.any():
                worst = max(worst, float(np.max(np.abs(want[m] - got[m]))))
        check(name, worst <= tol, f'{how} scaling: max difference {worst:g} > {tol:g}')

    # one-hot, as pandas.get_dummies
    k = kiln(path, '--encode', 'onehot', '--out', out_csv)
    o = pd.read_csv(out_csv)
    dummies = pd.get_dummies(d[categorical], prefix_sep='=') if categorical else pd.DataFrame()
    kiln_onehot = [c for c in o.columns if c not in d.columns]
    check(name, kiln_onehot == list(dummies.columns),
          f'one-hot columns kiln {kiln_onehot[:8]}... pandas {list(dummies.columns)[:8]}...')
    if kiln_onehot == list(dummies.columns):
        for c in kiln_onehot:
            if not np.array_equal(o[c].astype(int).to_numpy(), dummies[c].astype(int).to_numpy()):
                problems.append(f'{name}: one-hot column {c} differs')
                break
    check(name, k['columns_out'] == len(d.columns) - len(categorical) + len(dummies.columns),
          'column count after one-hot')


def test_big_file(path):
    name = os.path.basename(path)
    d = pd.read_csv(path)
    types = kiln_types(path)
    numeric = [c for c in d.columns if pd.api.types.is_numeric_dtype(d[c])
               and types.get(c) in ('numeric', 'boolean')]
    categorical = [c for c in d.columns if d[c].dtype == object and types.get(c) == 'categorical']
    k = kiln(path, '--dedupe', '--iqr', '1.5', '--clip', '--impute', 'median', '--scale', 'standard',
             '--encode', 'onehot')
    dups = int(d.duplicated().sum())
    check(name, k['duplicates'] == dups, f"duplicates kiln {k['duplicates']} pandas {dups}")
    d = d.drop_duplicates()
    x = d[numeric].astype(float)
    s = step(k, 'iqr')['fitted']
    clipped = {}
    for i, c in enumerate(s['columns']):
        q1, q3 = np.nanpercentile(x[c], 25), np.nanpercentile(x[c], 75)
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        check(name, rel_close(num(s['lower'][i]), lo, 1e-12) and rel_close(num(s['upper'][i]), hi, 1e-12),
              f"{c}: bounds kiln {s['lower'][i]} {s['upper'][i]} numpy {lo} {hi}")
        n = int(((x[c] < lo) | (x[c] > hi)).sum())
        if n:
            clipped[c] = n
        x[c] = x[c].clip(lo, hi)
    check(name, k['outliers'] == clipped, f"outliers kiln {k['outliers']} numpy {clipped}")
    s = step(k, 'impute')['fitted']
    for i, c in enumerate(s['columns']):
        if c in numeric:
            check(name, rel_close(num(s['numbers'][i]), float(x[c].median()), 1e-12),
                  f"{c}: median kiln {s['numbers'][i]} pandas {x[c].median()}")
    x = x.fillna(x.median())
    sc = StandardScaler().fit(x.to_numpy())
    s = step(k, 'scale')['fitted']
    for i, c in enumerate(s['columns']):
        j = numeric.index(c)
        check(name, rel_close(num(s['offset'][i]), sc.mean_[j], 1e-9) and
              rel_close(num(s['scale'][i]), sc.scale_[j], 1e-9),
              f"{c}: scaler kiln {s['offset'][i]} {s['scale'][i]} sklearn {sc.mean_[j]} {sc.scale_[j]}")
    names = [f'{c}={v}' for c in categorical for v in sorted(d[c].dropna().unique())]
    got = [c for c in k['columns'] if '=' in c]
    check(name, got == names, f'one-hot columns kiln {got[:6]}... pandas {names[:6]}...')


print(f'1..{len(files)}')
failures = 0
for i, path in enumerate(files, 1):
    problems.clear()
    try:
        (test_big_file if big else test_file)(path)
    except Exception as e:  # report, go on with the next file
        problems.append(f'{os.path.basename(path)}: {type(e).__name__}: {e}')
    if problems:
        failures += 1
        print(f'not ok {i} - {os.path.basename(path)}')
        for p in problems:
            print(f'# {p}')
    else:
        print(f'ok {i} - {os.path.basename(path)}')
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
