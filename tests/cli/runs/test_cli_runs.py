#!/usr/bin/python3
"""`kiln-cli runs PROJECT.kilnproj` end to end: the listing, --json, --export N --out (a bundle
that predicts as the run's did, written atomically, never over the project), and clear errors
naming the file for a missing, corrupt, damaged or newer project. The project file is built here
in the shape app/kiln-project.c saves (project_to_json). Needs only the standard library. TAP."""
import gzip, hashlib, json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
iris = os.path.join(datasets, 'iris.csv')
tmp = tempfile.mkdtemp(prefix='kiln-cli-runs-')
tests = []


def test(fn):
    tests.append(fn)
    return fn


def run(*args):
    return subprocess.run([cli, *args], capture_output=True, text=True)


def path(name):
    return os.path.join(tmp, name)


def digest(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def error_one_line(p, *words):
    assert p.returncode == 1, f'exit {p.returncode}, want 1: {p.stderr}'
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('kiln-cli: '), p.stderr
    for w in words:
        assert w in lines[0], f'{w!r} not in {lines[0]!r}'


def usage_error(p):
    assert p.returncode == 2, f'exit {p.returncode}, want 2: {p.stderr}'
    assert p.stderr.startswith('kiln-cli: '), p.stderr


def train(name, *args):
    out = path(name)
    p = run('train', iris, '--out', out, *args)
    assert p.returncode == 0, p.stderr
    with gzip.open(out, 'rt', encoding='utf-8') as f:
        return json.load(f)


def settings(target, task, model):
    # settings_to_builder: target, task, prep, model {name, ...}
    return {'target': target, 'task': task,
            'prep': {'dedupe': False, 'iqr': False, 'iqr_k': 1.5, 'iqr_clip': False,
                     'impute': 'median', 'encode': 'onehot', 'scale': 'auto',
                     'split': [0.8, 0.0, 0.2], 'stratify': True, 'seed': 42, 'dropped': []},
            'model': {'name': model, 'l2': 1.0, 'max_iter': 200, 'hidden': [64], 'epochs': 100,
                      'learning_rate': 0.001, 'batch_size': 32, 'patience': 10, 'max_depth': 0,
                      'min_samples_leaf': 1, 'n_trees': 100, 'max_features': 0.0, 'k': 5,
                      'mlp_alpha': 0.0001}}


def project(runs, current):
    # project_to_json: the keys and their order as kiln_project_save writes them
    return {'kiln_project': 1, 'kiln_version': '0.1.0', 'source': iris,
            'source_relative': os.path.relpath(iris, tmp),
            'import': {'encoding': None, 'delimiter': ',', 'decimal': '.', 'header': 1,
                       'skip_bad_rows': False, 'na': None},
            'column_types': {}, **settings('species', 'classification', 'logreg'),
            'runs': runs, 'current_run': current}


def write_project(name, doc):
    p = path(name)
    with open(p, 'w', encoding='utf-8') as f:
        json.dump(doc, f)
    return p


bundles = {}
RUNS = []


def setup():
    bundles['logreg'] = train('logreg.kiln', '--target', 'species', '--model', 'logreg')
    bundles['linear'] = train('linear.kiln', '--target', 'sepal_length', '--model', 'linear')
    bundles['tree'] = train('tree.kiln', '--target', 'species', '--model', 'tree')
    RUNS[:] = [
        {'when': '2026-12-01T10:00:00.000000+09:00', 'cancelled': False, 'fit_seconds': 0.25,
         'settings': settings('species', 'classification', 'logreg'), 'bundle': bundles['logreg']},
        {'when': '2026-12-01T10:05:00.000000+09:00', 'cancelled': True, 'fit_seconds': 1.5,
         'settings': settings('sepal_length', 'regression', 'linear'), 'bundle': bundles['linear']},
        {'when': '2026-12-01T10:09:00.000000+09:00', 'cancelled': False, 'fit_seconds': 0.125,
         'settings': settings('species', 'classification', 'tree'), 'bundle': bundles['tree']},
    ]


@test
def test_json():
    proj = write_project('three.kilnproj', project(RUNS, 1))
    p = run('runs', proj, '--json')
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert list(doc) == ['runs'], doc.keys()
    assert len(doc['runs']) == 3
    want = [('logreg', 'classification', 0.25, False), ('linear', 'regression', 1.5, True),
            ('tree', 'classification', 0.125, False)]
    for i, (r, (model, task, seconds, cancelled)) in enumerate(zip(doc['runs'], want)):
        assert set(r) == {'index', 'when', 'model', 'task', 'metrics', 'seconds', 'cancelled',
                          'current'}, r.keys()
        assert r['index'] == i + 1
        assert r['when'] == RUNS[i]['when']
        assert r['model'] == model and r['task'] == task, r
        assert r['seconds'] == seconds and r['cancelled'] is cancelled, r
        assert r['current'] is (i == 1), r
        assert r['metrics'] == RUNS[i]['bundle']['metrics'], (r['metrics'], RUNS[i]['bundle']['metrics'])
    assert 'accuracy' in doc['runs'][0]['metrics'] and 'r2' in doc['runs'][1]['metrics']


@test
def test_text():
    proj = write_project('text.kilnproj', project(RUNS, 2))
    p = run('runs', proj)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 4, p.stdout
    acc = RUNS[0]['bundle']['metrics']['accuracy']
    assert 'logreg' in lines[1] and f'{acc:.4f}' in lines[1] and 'current' not in lines[1], lines[1]
    assert 'linear' in lines[2] and 'regression' in lines[2] and 'cancelled' in lines[2], lines[2]
    assert 'tree' in lines[3] and 'current' in lines[3], lines[3]
    empty = write_project('empty.kilnproj', project([], -1))
    p = run('runs', empty)
    assert p.returncode == 0 and 'no runs' in p.stdout, (p.stdout, p.stderr)
    p = run('runs', empty, '--json')
    assert p.returncode == 0 and json.loads(p.stdout) == {'runs': []}, p.stdout


@test
def test_export():
    proj = write_project('export.kilnproj', project(RUNS, 0))
    before = digest(proj)
    out = path('run3.kiln')
    p = run('runs', proj, '--export', '3', '--out', out)
    assert p.returncode == 0, p.stderr
    assert digest(proj) == before
    assert not [n for n in os.listdir(tmp) if n.startswith('.') or n.endswith('~')], os.listdir(tmp)
    # the exported bundle predicts as the run's own bundle did
    a = run('predict', out, iris, '--out', path('pred-exported.csv'))
    b = run('predict', path('tree.kiln'), iris, '--out', path('pred-run.csv'))
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    with open(path('pred-exported.csv')) as f1, open(path('pred-run.csv')) as f2:
        exported, original = f1.read(), f2.read()
    assert exported == original and exported.count('\n') == 151, exported[:200]
    # run 2 is the regression
    p = run('runs', proj, '--export', '2', '--out', path('run2.kiln'))
    assert p.returncode == 0, p.stderr
    p = run('predict', path('run2.kiln'), iris)
    assert p.returncode == 0 and p.stdout.count('\n') == 151, p.stderr


@test
def test_usage_errors():
    proj = write_project('usage.kilnproj', project(RUNS, 0))
    before = digest(proj)
    usage_error(run('runs'))
    usage_error(run('runs', proj, '--export', '1'))
    usage_error(run('runs', proj, '--out', path('x.kiln')))
    usage_error(run('runs', proj, '--export', '0', '--out', path('x.kiln')))
    usage_error(run('runs', proj, '--export', '1', '--out', proj))
    assert digest(proj) == before
    error_one_line(run('runs', proj, '--export', '9', '--out', path('x.kiln')),
                   'usage.kilnproj', '9')
    assert not os.path.exists(path('x.kiln'))


@test
def test_bad_projects():
    error_one_line(run('runs', path('nowhere.kilnproj')), 'nowhere.kilnproj')
    notjson = path('garbage.kilnproj')
    with open(notjson, 'w') as f:
        f.write('{"kiln_project": 1, "runs": [')
    error_one_line(run('runs', notjson), 'garbage.kilnproj')
    error_one_line(run('runs', write_project('other.kilnproj', {'hello': 1})), 'other.kilnproj')
    newer = project(RUNS, 0)
    newer['kiln_project'] = 99
    error_one_line(run('runs', write_project('newer.kilnproj', newer)), 'newer.kilnproj', 'newer')
    damaged = project([dict(RUNS[0]), dict(RUNS[1], bundle={'format': 'nonsense'})], 0)
    error_one_line(run('runs', write_project('damaged.kilnproj', damaged)),
                   'damaged.kilnproj', 'run 2')
    nobundle = project([{k: v for k, v in RUNS[0].items() if k != 'bundle'}], 0)
    error_one_line(run('runs', write_project('nobundle.kilnproj', nobundle)),
                   'nobundle.kilnproj', 'run 1')


def main():
    print(f'1..{len(tests)}')
    failed = 0
    try:
        setup()
    except AssertionError as e:
        print(f'Bail out! could not train the bundles: {e}')
        return 1
    for i, fn in enumerate(tests, 1):
        try:
            fn()
            print(f'ok {i} - {fn.__name__}')
        except AssertionError as e:
            failed += 1
            print(f'not ok {i} - {fn.__name__}')
            for line in str(e).splitlines():
                print(f'# {line}')
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


sys.exit(main())
