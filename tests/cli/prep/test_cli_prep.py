#!/usr/bin/python3
"""`kiln-cli prep` end to end: the JSON contract, --out (written atomically, never over the
input), usage errors (exit 2), other errors (exit 1, one line on stderr), the import overrides.
Needs only the standard library. TAP output."""
import hashlib, json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
tmp = tempfile.mkdtemp(prefix='kiln-cli-prep-')
tests = []


def test(fn):
    tests.append(fn)
    return fn


def run(*args):
    return subprocess.run([cli, 'prep', *args], capture_output=True, text=True)


def ok_json(*args):
    p = run(*args, '--json')
    assert p.returncode == 0, f'exit {p.returncode}: {p.stderr}'
    return json.loads(p.stdout)


def write(name, text, encoding='utf-8'):
    path = os.path.join(tmp, name)
    with open(path, 'w', encoding=encoding, newline='') as f:
        f.write(text)
    return path


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def usage_error(p):
    assert p.returncode == 2, f'exit {p.returncode}, want 2: {p.stderr}'
    assert p.stderr.startswith('kiln-cli: '), p.stderr


def error_one_line(p):
    assert p.returncode == 1, f'exit {p.returncode}, want 1: {p.stderr}'
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('kiln-cli: '), p.stderr


SMALL = ('x,y,c,t\n'
         '1,2.5,a,yes\n'
         '1,2.5,a,yes\n'      # duplicate of the first row
         '2,,b,no\n'
         '3,4,,yes\n'
         '100,5,a,no\n'       # x is an outlier
         '4,6,b,\n'           # no target
         '5,7,c,no\n')


@test
def json_contract():
    path = write('small.csv', SMALL)
    out = ok_json(path, '--dedupe', '--iqr', '1.5', '--impute', 'median', '--encode', 'onehot',
                  '--scale', 'standard')
    for key in ('rows_in', 'rows_out', 'duplicates', 'outliers', 'imputed', 'columns_out'):
        assert key in out, key
    assert out['rows_in'] == 7 and out['duplicates'] == 1, out
    assert out['outliers'] == {'x': 1}, out['outliers']
    # after dedupe and the outlier row: y, c and t (not a target here) missing once each
    assert out['imputed'] == {'y': 1, 'c': 1, 't': 1}, out['imputed']
    assert out['rows_out'] == 5, out
    # without a target, t is just another categorical column: one-hot encoded
    assert out['columns'] == ['x', 'y', 'c=a', 'c=b', 'c=c', 't=no', 't=yes'], out['columns']
    assert out['columns_out'] == 7


@test
def target_is_last_and_rows_without_it_go():
    path = write('small.csv', SMALL)
    out = ok_json(path, '--target', 't', '--encode', 'onehot')
    assert out['columns'][-1] == 't', out['columns']
    assert out['rows_out'] == 6, out
    assert out['recipe']['classes'] == ['no', 'yes'], out['recipe']['classes']
    assert out['steps'][0]['kind'] == 'target' and out['steps'][0]['rows_out'] == 6


@test
def only_what_is_asked():
    path = write('small.csv', SMALL)
    out = ok_json(path)
    assert out['rows_out'] == 7 and out['columns_out'] == 4 and out['duplicates'] == 0, out
    assert out['outliers'] == {} and out['imputed'] == {}, out


@test
def out_written_and_readable():
    path = write('small.csv', SMALL)
    dest = os.path.join(tmp, 'clean.csv')
    out = ok_json(path, '--dedupe', '--impute', 'drop', '--out', dest)
    assert out['rows_out'] == 3, out   # the duplicate, then the rows missing y, c, t
    with open(dest, encoding='utf-8') as f:
        lines = f.read().splitlines()
    assert lines[0] == 'x,y,c,t', lines[0]
    assert len(lines) == 4, lines
    # read back by kiln itself
    shown = json.loads(subprocess.run([cli, 'show', '--json', '--rows', '-1', dest], check=True,
                                      capture_output=True, text=True).stdout)
    assert shown['rows'][0] == [1, 2.5, 'a', 'yes'], shown['rows'][0]
    assert not [n for n in os.listdir(tmp) if n.startswith('.clean') or n.endswith('~')], os.listdir(tmp)


@test
def never_over_the_input():
    path = write('keep.csv', SMALL)
    before = digest(path)
    usage_error(run(path, '--dedupe', '--out', path))
    # the same file by another name
    other = os.path.join(tmp, '.', '..', os.path.basename(tmp), 'keep.csv')
    usage_error(run(path, '--dedupe', '--out', other))
    link = os.path.join(tmp, 'link.csv')
    os.symlink(path, link)
    usage_error(run(link, '--dedupe', '--out', path))
    assert digest(path) == before


@test
def usage_errors():
    path = write('small.csv', SMALL)
    usage_error(run())
    usage_error(run(path, path))
    usage_error(run(path, '--impute', 'sometimes'))
    usage_error(run(path, '--encode', 'binary'))
    usage_error(run(path, '--scale', 'log'))
    usage_error(run(path, '--iqr', 'abc'))
    usage_error(run(path, '--iqr', '-1'))
    usage_error(run(path, '--clip'))
    usage_error(run(path, '--no-such-flag'))
    usage_error(run(path, '--target', 't', '--task', 'ranking'))


@test
def other_errors():
    path = write('small.csv', SMALL)
    error_one_line(run(os.path.join(tmp, 'nope.csv')))
    error_one_line(run(path, '--target', 'nope'))
    error_one_line(run(path, '--target', 'c', '--task', 'regression'))
    error_one_line(run(path, '--drop', 'nope'))
    error_one_line(run(path, '--out', os.path.join(tmp, 'no-such-dir', 'x.csv')))


@test
def import_overrides():
    # semicolons, decimal commas, a custom missing marker
    path = write('euro.csv', 'a;b\n1,5;x\n1,5;x\n-;y\n2,5;y\n')
    out = ok_json(path, '--dedupe', '--impute', 'mean', '--na', '-', '--delimiter', ';',
                  '--decimal', ',')
    assert out['rows_in'] == 4 and out['duplicates'] == 1, out
    assert out['imputed'] == {'a': 1}, out
    fills = next(s for s in out['recipe']['steps'] if s['kind'] == 'impute')['fitted']['numbers']
    assert fills[0] == 2.0, fills


@test
def drop_and_text_log():
    path = write('small.csv', SMALL)
    out = ok_json(path, '--drop', 'y,c')
    assert out['columns'] == ['x', 't'], out['columns']
    p = run(path, '--dedupe', '--iqr', '1.5', '--clip')
    assert p.returncode == 0, p.stderr
    assert 'Removed 1 duplicate row' in p.stdout, p.stdout
    assert 'Clipped 1 outlier value' in p.stdout, p.stdout


@test
def datasets_run():
    if not os.path.isdir(datasets):
        return 'no datasets'
    for name in sorted(os.listdir(datasets)):
        if not name.endswith('.csv'):
            continue
        out = ok_json(os.path.join(datasets, name), '--dedupe', '--iqr', '1.5', '--impute', 'median',
                      '--encode', 'onehot', '--scale', 'standard')
        assert out['rows_out'] <= out['rows_in'], name


print(f'1..{len(tests)}')
failed = 0
for i, fn in enumerate(tests, 1):
    try:
        skip = fn()
        print(f'ok {i} - {fn.__name__}' + (f' # SKIP {skip}' if skip else ''))
    except Exception as e:
        failed += 1
        print(f'not ok {i} - {fn.__name__}')
        for line in f'{type(e).__name__}: {e}'.splitlines():
            print(f'# {line}')
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
