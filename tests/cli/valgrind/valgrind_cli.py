#!/usr/bin/python3
"""kiln-cli under valgrind's memcheck (issue 15): train (every model family, each writing its
bundle), predict (to a file and to standard output), export --onnx (every family), serve (start,
each endpoint, a valid and a bad /predict, SIGTERM), and the error paths of each (a missing file,
a bad target, a corrupt bundle, a folder that cannot be written), on penguins.csv (344 rows,
categories and missing values) from the shared datasets.

Each run: valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1; the test
asserts the command's own exit status, and from valgrind's log: no error (invalid reads or writes,
uses of uninitialised values, bad frees) and no definitely lost block. Memory still reachable at
exit (GLib's type system, the one-time caches of GLib and OpenBLAS) is not a leak and is not
counted. G_SLICE=always-malloc makes GLib's allocations visible to memcheck. TAP output.

usage: valgrind_cli.py KILN-CLI VALGRIND
"""
import json, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.error, urllib.request

cli, valgrind = sys.argv[1], sys.argv[2]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
penguins = os.path.join(datasets, 'penguins.csv')
tmp = tempfile.mkdtemp(prefix='kiln-valgrind-')
env = dict(os.environ, G_SLICE='always-malloc', G_DEBUG='gc-friendly,fatal-warnings')
env.pop('MALLOC_CHECK_', None)
VALGRIND = [valgrind, '--leak-check=full', '--errors-for-leak-kinds=definite', '--error-exitcode=1',
            '--num-callers=40']
FAMILIES = ['logreg', 'linear', 'ridge', 'mlp', 'tree', 'forest', 'gbt', 'knn', 'nb']
tests = []
counter = [0]


def test(fn):
    tests.append(fn)
    return fn


def memcheck_log(log):
    """The problems valgrind's log reports: errors and definitely lost blocks."""
    with open(log) as f:
        text = f.read()
    m = re.search(r'ERROR SUMMARY: (\d+) errors', text)
    assert m, f'valgrind wrote no summary: {text[-2000:]}'
    lost = re.search(r'definitely lost: ([\d,]+) bytes in ([\d,]+) blocks', text)
    problems = []
    if int(m.group(1)) != 0:
        problems.append(f'{m.group(1)} errors')
    if lost and lost.group(1) != '0':
        problems.append(f'{lost.group(1)} bytes definitely lost')
    if problems:
        # the first reports, whole: what and where
        blocks = re.split(r'==\d+== \n', text)
        detail = [b for b in blocks if re.search(r'Invalid|uninitialised|definitely lost in|'
                                                  r'free\(\)|Mismatched|overlap', b)]
        return ', '.join(problems) + ':\n' + '\n'.join(detail[:4])[-6000:]
    return None


def vg(*args, status=0, stdout=False):
    """Runs kiln-cli ARGS under memcheck; asserts its exit status and a clean log."""
    counter[0] += 1
    log = os.path.join(tmp, f'memcheck-{counter[0]}.log')
    p = subprocess.run(VALGRIND + [f'--log-file={log}', cli, *args], capture_output=True,
                       text=True, env=env, timeout=900, cwd=tmp)
    problem = memcheck_log(log)
    assert problem is None, f'kiln-cli {" ".join(args)}: {problem}'
    assert p.returncode == status, f'kiln-cli {" ".join(args)}: exit {p.returncode}, want ' \
                                   f'{status}: {p.stderr[-2000:]}'
    return p.stdout if stdout else p


def path(name):
    return os.path.join(tmp, name)


@test
def train_every_family():
    for model in FAMILIES:
        target = 'body_mass_g' if model in ('linear', 'ridge') else 'species'
        extra = ['--epochs', '5'] if model == 'mlp' else []
        vg('train', penguins, '--target', target, '--model', model, '--out', path(model + '.kiln'),
           *extra)
        assert os.path.getsize(path(model + '.kiln')) > 0


@test
def predict():
    vg('predict', path('logreg.kiln'), penguins, '--out', path('pred.csv'))
    with open(path('pred.csv')) as f:
        assert len(f.read().splitlines()) == 345
    out = vg('predict', path('forest.kiln'), penguins, stdout=True)
    assert len(out.splitlines()) == 345
    vg('predict', path('linear.kiln'), penguins, '--out', path('pred-linear.csv'))


@test
def export_onnx_every_family():
    for model in FAMILIES:
        vg('export', path(model + '.kiln'), '--onnx', path(model + '.onnx'))
        assert os.path.getsize(path(model + '.onnx')) > 0


@test
def error_paths():
    vg('train', path('missing.csv'), '--target', 'species', status=1)
    vg('train', penguins, '--target', 'no_such_column', status=1)
    vg('predict', path('missing.kiln'), penguins, status=1)
    corrupt = path('corrupt.kiln')
    with open(corrupt, 'wb') as f:
        f.write(b'\x1f\x8b\x08\x00' + bytes(range(256)) * 4)
    vg('predict', corrupt, penguins, status=1)
    vg('export', corrupt, '--onnx', path('corrupt.onnx'), status=1)
    vg('train', penguins, '--target', 'species', '--out', path('no/such/folder/m.kiln'), status=1)
    vg('predict', path('logreg.kiln'), penguins, '--out', path('no/such/folder/p.csv'), status=1)
    vg('export', path('logreg.kiln'), '--onnx', path('no/such/folder/m.onnx'), status=1)
    vg('serve', corrupt, status=1)


def call(url, method='GET', body=None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@test
def serve():
    log = path('memcheck-serve.log')
    proc = subprocess.Popen(VALGRIND + [f'--log-file={log}', cli, 'serve', path('logreg.kiln'),
                                        '--port', '0', '--threads', '2', '--log', path('access.log')],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith('http://127.0.0.1:'), (url, proc.stderr.read())
        for endpoint in ('/health', '/metadata', '/openapi.json', '/metrics'):
            assert call(url + endpoint)[0] == 200, endpoint
        row = {'island': 'Biscoe', 'bill_length_mm': 45.1, 'bill_depth_mm': 14.5,
               'flipper_length_mm': 215, 'body_mass_g': 5000, 'sex': None}
        status, text = call(url + '/predict', 'POST', json.dumps({'rows': [row] * 3}).encode())
        assert status == 200 and len(json.loads(text)['predictions']) == 3, (status, text)
        assert call(url + '/predict', 'POST', b'{"rows": [{"island": 3')[0] == 400
        assert call(url + '/predict', 'POST', b'{"rows": [{"colour": "blue"}]}')[0] == 400
        assert call(url + '/nothing')[0] == 404
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    problem = memcheck_log(log)
    assert problem is None, f'kiln-cli serve: {problem}'
    assert code == 0, f'kiln-cli serve: exit {code} after SIGTERM'


print(f'1..{len(tests)}')
failed = 0
for i, fn in enumerate(tests, 1):
    t0 = time.monotonic()
    try:
        skip = None if os.path.exists(penguins) else 'no datasets'
        if not skip:
            fn()
        print(f'ok {i} - {fn.__name__}' + (f' # SKIP {skip}' if skip else
                                           f' ({time.monotonic() - t0:.0f} s)'))
    except Exception as e:
        failed += 1
        print(f'not ok {i} - {fn.__name__}')
        for line in f'{type(e).__name__}: {e}'.splitlines():
            print(f'# {line}')
    sys.stdout.flush()
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
