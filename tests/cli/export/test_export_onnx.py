#!/usr/bin/python3
"""`kiln-cli export MODEL.kiln --onnx MODEL.onnx` verified in ONNX Runtime.

Every family is trained with kiln-cli on data sets with missing values and categories (penguins,
a wa_churn sample and pima_missing for classification; penguins body mass and a diamonds sample
for regression; the samples get missing cells and a boolean column put in; boosting also on
diamonds cut, a letter sample and pima), plus recipes with
IQR clipping, min-max scaling, ordinal codes, mean imputation and dropped rows. The files scored
have two rows more, with categories training never saw. Each bundle is
exported, checked with onnx.checker.check_model(full_check=True) (Debian's python3-onnx), run in
ONNX Runtime under node (onnxruntime-node, installed with npm into the build folder when it is not
there yet) on every row of its data set as `kiln-cli show` parsed it, and compared with `kiln-cli
predict` on the same file: every label equal, probabilities and values within 1e-5 (the table
also gives the values' difference relative to their spread, their standard deviation).
A recipe that fills nothing (made by make-bundle): the rows with a missing feature, which Kiln
refuses to score, come out as NaN with no label. Also: usage errors, an export that Kiln refuses
(saying why), the file written atomically, and the Python snippet export prints.
TAP output; the parity table goes to onnx-parity.txt in the build folder and to stderr.
"""
import csv, json, math, os, random, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
runner = sys.argv[2]           # run-onnx.js
ort_dir = sys.argv[3]          # where onnxruntime-node is (or gets) installed
build_dir = sys.argv[4]
make_bundle = sys.argv[5]      # a bundle with a recipe that fills nothing
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
ORT_VERSION = '1.30.0'
TOL = 1e-5

tmp = tempfile.mkdtemp(prefix='kiln-onnx-')
results = []          # (ok, description)
parity = []           # rows of the table


def tap(ok, what):
    what = ' '.join(what.split())    # one TAP line
    results.append((ok, what))
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}", flush=True)


def run(*args, check=True):
    p = subprocess.run([cli, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"kiln-cli {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


# ---- data --------------------------------------------------------------------------------------

def read_csv(path):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_csv(path, header, rows):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def sample(name, n, seed, blank, booleans=()):
    """n rows of a shared data set, with about 4% of the cells of @blank emptied and the 0/1
    columns in @booleans written as true/false (Kiln reads them as booleans)."""
    header, rows = read_csv(os.path.join(datasets, name))
    rng = random.Random(seed)
    rows = rng.sample(rows, n)
    for r in rows:
        for c in blank:
            if rng.random() < 0.04:
                r[header.index(c)] = ''
        for c in booleans:
            i = header.index(c)
            r[i] = {'1': 'true', '0': 'false'}.get(r[i], r[i])
    path = os.path.join(tmp, name.replace('.csv', f'-{n}.csv'))
    write_csv(path, header, rows)
    return path


# ---- ONNX Runtime ------------------------------------------------------------------------------

def ort_module():
    mod = os.path.join(ort_dir, 'node_modules', 'onnxruntime-node')
    if os.path.exists(os.path.join(mod, 'package.json')):
        return mod
    os.makedirs(ort_dir, exist_ok=True)
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL='skip')
    # the CPU build is inside the package; the install script would download more from elsewhere
    p = subprocess.run(['npm', 'install', '--prefix', ort_dir, '--no-audit', '--no-fund',
                        '--no-save', f'onnxruntime-node@{ORT_VERSION}'],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError('npm install onnxruntime-node failed: ' + p.stderr[-2000:])
    return mod


def run_onnx(jobs):
    path = os.path.join(tmp, 'jobs.json')
    with open(path, 'w') as f:
        json.dump(jobs, f)
    env = dict(os.environ, KILN_ORT_NODE=ort_module())
    p = subprocess.run(['node', runner, path], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())


def check_model(path):
    p = subprocess.run(['/usr/bin/python3', '-c',
                        'import onnx, sys; m = onnx.load(sys.argv[1]); '
                        'onnx.checker.check_model(m, full_check=True); '
                        'print(onnx.__version__, [(o.domain, o.version) for o in m.opset_import])',
                        path], capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


# ---- one case ----------------------------------------------------------------------------------

def with_unseen(path, changes):
    """@path with a few more rows: copies of its first rows with categories training never saw
    (@changes: column -> value), which Kiln and the graph must both encode as unseen."""
    header, rows = read_csv(path)
    extra = []
    for i, (column, value) in enumerate(changes.items()):
        r = list(rows[i])
        r[header.index(column)] = value
        extra.append(r)
    out = path.replace('.csv', '') + '-unseen.csv'
    out = os.path.join(tmp, os.path.basename(out) + '.csv')
    write_csv(out, header, rows + extra)
    return out


class Case:
    def __init__(self, data, title, target, model, extra=(), scored=None, refused=0):
        self.data, self.title, self.target, self.model, self.extra = data, title, target, model, extra
        self.scored = scored or data    # the file predicted by both
        # refused > 0: the bundle's recipe fills nothing, the last @refused rows of @scored have
        # a missing feature: Kiln scores only @data, the graph gives those rows NaN and no label
        self.refused = refused
        self.name = f"{title}-{target}-{model}" + ('-' + '-'.join(a.strip('-()').replace(' ', '-') for a in extra) if extra else '')
        self.base = os.path.join(tmp, self.name)


def prepare(case):
    if case.refused:
        p = subprocess.run([make_bundle, case.data, case.target, case.model, case.base + '.kiln'],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.strip())
    else:
        run('train', case.data, '--target', case.target, '--model', case.model, *case.extra,
            '--out', case.base + '.kiln')
    p = run('export', case.base + '.kiln', '--onnx', case.base + '.onnx', '--json')
    case.graph = json.loads(p.stdout)
    run('predict', case.base + '.kiln', case.data if case.refused else case.scored,
        '--out', case.base + '-kiln.csv')
    if case.refused:
        p = run('predict', case.base + '.kiln', case.scored, check=False)
        if p.returncode != 1:
            raise RuntimeError('kiln-cli predict scored rows with a missing feature')
    shown = json.loads(run('show', case.scored, '--json', '--rows', '-1').stdout)
    columns = shown['columns']
    feeds = {}
    for inp in case.graph['inputs']:
        j = columns.index(inp['name'])
        values = [row[j] for row in shown['rows']]
        feeds[inp['name']] = {'type': inp['type'], 'values': values}
    case.rows = len(shown['rows'])
    return {'onnx': case.base + '.onnx', 'rows': case.rows, 'feeds': feeds,
            'out': case.base + '-onnx.json'}


def compare(case):
    header, rows = read_csv(case.base + '-kiln.csv')
    with open(case.base + '-onnx.json') as f:
        out = json.load(f)
    p = header.index('prediction')
    if case.refused:
        # the rows Kiln refuses: NaN (null in JSON) and no label; the others as usual
        n = len(rows)
        if 'label' in out:
            width = out['probabilities']['dims'][1]
            tail_ok = (all(l == '' for l in out['label']['data'][n:]) and
                       all(v is None for v in out['probabilities']['data'][n * width:]))
            out['label']['data'] = out['label']['data'][:n]
            out['probabilities']['data'] = out['probabilities']['data'][:n * width]
            out['probabilities']['dims'][0] = n
        else:
            tail_ok = all(v is None for v in out['value']['data'][n:])
            out['value']['data'] = out['value']['data'][:n]
            out['value']['dims'][0] = n
        case.rows = n
        if not tail_ok:
            return False, f"the {case.refused} rows Kiln refuses are not NaN / unlabelled"
    if 'label' in out:
        classes = [h[2:] for h in header[p + 1:]]
        labels = out['label']['data']
        proba = out['probabilities']['data']
        assert out['probabilities']['dims'] == [case.rows, len(classes)], out['probabilities']['dims']
        agree = sum(1 for r, l in zip(rows, labels) if r[p] == l)
        diff = max(abs(float(r[p + 1 + c]) - proba[i * len(classes) + c])
                   for i, r in enumerate(rows) for c in range(len(classes)))
        ok = agree == case.rows and diff <= TOL
        what = f"labels {agree}/{case.rows}, max |Δp| {diff:.2e}"
        parity.append((f'{case.title} {case.target}', case.model, ' '.join(case.extra), case.rows,
                       f"{agree}/{case.rows}", f"{diff:.2e}", ''))
    else:
        values = out['value']['data']
        assert out['value']['dims'] == [case.rows, 1] and out['value']['type'] == 'float64', out['value']
        kiln = [float(r[p]) for r in rows]
        diff = max(abs(k - v) for k, v in zip(kiln, values))
        # for the table: the difference relative to the values' spread
        mean = sum(kiln) / len(kiln)
        spread = max(1.0, math.sqrt(sum((k - mean) ** 2 for k in kiln) / len(kiln)))
        rel = diff / spread
        ok = diff <= TOL
        what = f"max |Δvalue| {diff:.2e}, relative to the values' spread {rel:.2e}"
        parity.append((f'{case.title} {case.target}', case.model, ' '.join(case.extra), case.rows,
                       '', f"{diff:.2e}", f"{rel:.2e}"))
    return ok, what


def cli_families():
    """The model names `kiln-cli train --help` offers ("--model=NAME  logreg, linear ... or nb")."""
    text = run('train', '--help').stdout
    line = next(l for l in text.splitlines() if l.strip().startswith('--model='))
    names = line.split(None, 1)[1].split('(')[0].replace(' or ', ', ')
    return [n.strip() for n in names.split(',') if n.strip()]


def main():
    penguins = os.path.join(datasets, 'penguins.csv')
    pima = os.path.join(datasets, 'pima_missing.csv')
    churn = sample('wa_churn.csv', 1200, 11,
                   ['tenure', 'monthly_charges', 'contract', 'payment_method', 'internet_service',
                    'partner'], booleans=['partner', 'paperless_billing'])
    diamonds = sample('diamonds.csv', 1500, 12, ['carat', 'depth', 'cut', 'color', 'clarity'])

    # scored with a few rows more, of categories training never saw
    penguins_unseen = with_unseen(penguins, {'island': 'Atlantis', 'sex': 'unknown'})
    churn_unseen = with_unseen(churn, {'contract': 'Ten year', 'payment_method': 'Barter'})
    diamonds_unseen = with_unseen(diamonds, {'cut': 'Perfect', 'clarity': 'FL'})

    cases = []
    for m in ['logreg', 'mlp', 'tree', 'forest', 'knn', 'nb']:
        cases.append(Case(penguins, 'penguins', 'species', m, scored=penguins_unseen))
        cases.append(Case(churn, 'churn', 'churn', m, scored=churn_unseen))
    for m in ['logreg', 'forest', 'nb']:
        cases.append(Case(pima, 'pima', 'diabetes', m))
    # classes that are numbers (a 0/1 column classified) and booleans (true/false)
    cases.append(Case(churn, 'churn', 'senior_citizen', 'logreg', ['--task', 'classification']))
    cases.append(Case(churn, 'churn', 'senior_citizen', 'tree', ['--task', 'classification']))
    cases.append(Case(churn, 'churn', 'paperless_billing', 'nb'))
    for m in ['linear', 'ridge', 'mlp', 'tree', 'forest', 'knn']:
        cases.append(Case(penguins, 'penguins', 'body_mass_g', m, scored=penguins_unseen))
        cases.append(Case(diamonds, 'diamonds', 'price', m, scored=diamonds_unseen))
    # a family added later (kiln-cli train --help lists it) is tested as the others, both tasks
    for m in sorted(set(cli_families()) - {c.model for c in cases}):
        cases.append(Case(penguins, 'penguins', 'species', m, scored=penguins_unseen))
        cases.append(Case(churn, 'churn', 'churn', m, scored=churn_unseen))
        cases.append(Case(penguins, 'penguins', 'body_mass_g', m, scored=penguins_unseen))
        cases.append(Case(diamonds, 'diamonds', 'price', m, scored=diamonds_unseen))
    # boosting's trees split on category codes (a set of codes goes left) and send missing
    # values where each split learnt: more classes (diamonds cut, letter), missing values alone
    # (pima), a recipe that keeps the categories as ordinal codes
    letter = sample('letter.csv', 3000, 13, ['x.box', 'width', 'onpix', 'x2ybr'])
    cases.append(Case(diamonds, 'diamonds', 'cut', 'gbt', scored=diamonds_unseen))
    cases.append(Case(letter, 'letter', 'lettr', 'gbt'))
    cases.append(Case(pima, 'pima', 'diabetes', 'gbt'))
    cases.append(Case(churn, 'churn', 'churn', 'gbt', ['--encode', 'ordinal', '--scale', 'minmax'],
                      scored=churn_unseen))
    # other recipes: IQR clipping, min-max scaling, ordinal codes, mean / dropped imputation
    variant = ['--dedupe', '--iqr', '1.5', '--clip', '--impute', 'mean', '--scale', 'minmax',
               '--encode', 'ordinal']
    for m in ['logreg', 'knn', 'tree']:
        cases.append(Case(penguins, 'penguins', 'species', m, variant, scored=penguins_unseen))
    for m in ['linear', 'mlp', 'forest']:
        cases.append(Case(diamonds, 'diamonds', 'price', m,
                          ['--impute', 'drop', '--iqr', '1', '--clip', '--encode', 'ordinal',
                           '--scale', 'standard'], scored=diamonds_unseen))

    # a recipe that fills nothing: rows with a missing feature are not scored
    iris = os.path.join(datasets, 'iris.csv')
    header, rows = read_csv(iris)
    blanks = [list(rows[0]), list(rows[60])]
    blanks[0][header.index('sepal_width')] = ''
    blanks[1][header.index('petal_length')] = ''
    iris_blank = os.path.join(tmp, 'iris-blank.csv')
    write_csv(iris_blank, header, rows + blanks)
    for m in ['logreg', 'tree', 'knn']:
        cases.append(Case(iris, 'iris', 'species', m, ['(nothing filled)'], scored=iris_blank, refused=2))
    for m in ['linear', 'forest']:
        cases.append(Case(iris, 'iris', 'petal_width', m, ['(nothing filled)'], scored=iris_blank,
                          refused=2))

    jobs = []
    for case in cases:
        try:
            jobs.append(prepare(case))
            case.ok = True
        except Exception as e:      # reported per case below
            case.ok, case.error = False, str(e)
    checked = [c for c in cases if c.ok]
    for case in checked:
        ok, msg = check_model(case.base + '.onnx')
        if not ok:
            case.ok, case.error = False, 'onnx.checker: ' + msg
    try:
        run_onnx([j for j, c in zip(jobs, checked) if c.ok])
    except Exception as e:
        tap(False, 'ONNX Runtime runs the exported models: ' + str(e))
        return
    for case in cases:
        if not case.ok:
            tap(False, f"{case.name}: {case.error}")
            continue
        try:
            ok, what = compare(case)
        except Exception as e:
            ok, what = False, f"comparison failed: {e!r}"
        tap(ok, f"{case.name}: checker ok, {what}")

    # the graph as DESIGN.md's ONNX contract says
    g = next(c for c in cases if c.name == 'penguins-species-logreg').graph
    kinds = {i['name']: (i['type'], i['shape']) for i in g['inputs']}
    tap(kinds.get('island') == ('string', [None, 1]) and kinds.get('bill_length_mm') == ('double', [None, 1])
        and 'species' not in kinds
        and [(o['name'], o['type'], o['shape']) for o in g['outputs']]
        == [('label', 'string', [None]), ('probabilities', 'float', [None, 3])],
        'inputs are the raw columns, [N, 1] double or string; outputs label and probabilities')
    g = next(c for c in cases if c.name == 'diamonds-price-linear').graph
    tap([(o['name'], o['type'], o['shape']) for o in g['outputs']] == [('value', 'double', [None, 1])],
        'regression gives value [N, 1]')


SHIM = r'''
"""A stand-in for the onnxruntime Python package (not in Debian): runs the session in ONNX
Runtime under node, with the feeds exactly as the caller typed them."""
import json, os, subprocess, tempfile
import numpy as np

class InferenceSession:
    def __init__(self, path):
        self.path = path

    def run(self, names, feeds):
        tmp = tempfile.mkdtemp()
        kinds = {np.dtype(np.float64): 'double', np.dtype(np.float32): 'float', np.dtype(object): 'string'}
        spec = {}
        for name, array in feeds.items():
            assert array.ndim == 2 and array.shape[1] == 1, (name, array.shape)
            spec[name] = {'type': kinds[array.dtype], 'values': [None if isinstance(v, float) and v != v else v
                                                                 for v in array.reshape(-1).tolist()]}
        rows = len(next(iter(feeds.values())))
        job = {'onnx': self.path, 'rows': rows, 'feeds': spec, 'out': os.path.join(tmp, 'out.json')}
        with open(os.path.join(tmp, 'jobs.json'), 'w') as f:
            json.dump([job], f)
        subprocess.run(['node', os.environ['KILN_RUN_ONNX'], os.path.join(tmp, 'jobs.json')], check=True)
        with open(job['out']) as f:
            out = json.load(f)
        return [np.array(out[n]['data']).reshape(out[n]['dims']) for n in names]
'''


def snippets():
    """The Python snippet export prints runs as it is (onnxruntime stood in for by a shim that
    hands its feeds to ONNX Runtime under node: their names, dtypes and shapes must fit)."""
    shim_dir = os.path.join(tmp, 'shim')
    os.makedirs(shim_dir, exist_ok=True)
    with open(os.path.join(shim_dir, 'onnxruntime.py'), 'w') as f:
        f.write(SHIM)
    env = dict(os.environ, PYTHONPATH=shim_dir, KILN_RUN_ONNX=runner, KILN_ORT_NODE=ort_module())
    for name, want in [('penguins-species-logreg', ('Adelie', 'Chinstrap', 'Gentoo')),
                       ('diamonds-price-forest', None)]:
        base = os.path.join(tmp, name)
        g = json.loads(run('export', base + '.kiln', '--onnx', base + '.onnx', '--json').stdout)
        p = subprocess.run(['/usr/bin/python3', '-c', g['python']], capture_output=True, text=True, env=env)
        words = p.stdout.split()
        if want:
            ok = p.returncode == 0 and words and words[0] in want
        else:
            try:
                ok = p.returncode == 0 and float(words[0]) > 0
            except (ValueError, IndexError):
                ok = False
        tap(ok, f'the Python snippet of {name} runs and prints a prediction ({(p.stdout + p.stderr).strip()[-200:]})')


def cli_contract():
    kiln = os.path.join(tmp, 'penguins-species-logreg.kiln')
    target = os.path.join(tmp, 'out.onnx')
    p = run('export', kiln, check=False)
    tap(p.returncode == 2 and p.stderr.startswith('kiln-cli: '), 'export without --onnx is a usage error')
    p = run('export', kiln, '--onnx', kiln, check=False)
    tap(p.returncode == 2, 'export never writes over its input')
    p = run('export', os.path.join(tmp, 'missing.kiln'), '--onnx', target, check=False)
    tap(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and not os.path.exists(target),
        'a missing bundle: exit 1, one line, nothing written')

    # a model Kiln cannot export says why, and leaves an existing file alone
    data = os.path.join(tmp, 'clash.csv')
    write_csv(data, ['label', 'x', 'y'],
              [[str(i % 3), str(i * 0.5), 'a' if i % 2 else 'b'] for i in range(40)])
    run('train', data, '--target', 'y', '--model', 'logreg', '--out', os.path.join(tmp, 'clash.kiln'))
    with open(target, 'wb') as f:
        f.write(b'old')
    p = run('export', os.path.join(tmp, 'clash.kiln'), '--onnx', target, check=False)
    with open(target, 'rb') as f:
        kept = f.read() == b'old'
    tap(p.returncode == 1 and '“label”' in p.stderr and kept,
        f'an input named like an output is refused with the reason, the old file kept ({p.stderr.strip()})')
    leftovers = [f for f in os.listdir(tmp) if f.startswith('out.onnx') and f != 'out.onnx']
    tap(not leftovers, 'no temporary file is left behind')


try:
    main()
    snippets()
    cli_contract()
except Exception as e:
    tap(False, f'unexpected error: {e!r}')

table = [f"{'family / data set target':<34} {'recipe':<37} {'rows':>5} {'labels':>9} "
         f"{'max |Δ|':>10} {'Δ/spread':>9}"]
for title, model, extra, rows, labels, diff, rel in parity:
    table.append(f"{model + ' / ' + title:<34} {extra[:37]:<37} {rows:>5} {labels:>9} "
                 f"{diff:>10} {rel:>9}")
text = '\n'.join(table) + '\n'
sys.stderr.write(text)
with open(os.path.join(build_dir, 'onnx-parity.txt'), 'w') as f:
    f.write(text)
print(f"1..{len(results)}")
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(0 if all(ok for ok, _ in results) else 1)
