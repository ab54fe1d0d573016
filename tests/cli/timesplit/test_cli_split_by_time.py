#!/usr/bin/python3
"""`kiln-cli train|compare --split-by-time[=COLUMN]` end to end: the test rows are the latest
(by the date column, or the file order), compare's folds are forward-chaining and say so, the
flag is in --help, and a column that cannot order rows is a clear error. Standard library only.
TAP output."""
import csv, datetime, json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix='kiln-cli-time-')
tests = []


def test(fn):
    tests.append(fn)
    return fn


def run(*args):
    return subprocess.run([cli, *args], capture_output=True, text=True)


def path(name):
    return os.path.join(tmp, name)


# 100 rows whose dates are scrambled in the file; y follows x, the same in every period.
START = datetime.date(2021, 1, 1)
DATA = path('dated.csv')
ROWS = []
for i in range(100):
    day = (i * 37) % 100
    date = START + datetime.timedelta(days=day)
    ROWS.append((date.isoformat(), day % 10, 'hi' if day % 10 >= 5 else 'lo'))
with open(DATA, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['when', 'x', 'y'])
    w.writerows(ROWS)


def predictions(args):
    out = path('pred.csv')
    p = run('train', DATA, '--target', 'y', '--model', 'tree', '--predictions', out, '--json', *args)
    assert p.returncode == 0, p.stderr
    with open(out, newline='') as f:
        return json.loads(p.stdout), list(csv.DictReader(f))


@test
def test_train_latest_rows_in_test():
    doc, rows = predictions(['--split-by-time=when'])
    assert doc['train_rows'] == 80 and doc['test_rows'] == 20, doc
    want = sorted(r[0] for r in ROWS)[-20:]
    assert sorted(r['when'] for r in rows) == want, [r['when'] for r in rows]


@test
def test_train_file_order():
    doc, rows = predictions(['--split-by-time', '--split', '70:10:20'])
    assert doc['validation_rows'] == 10 and doc['test_rows'] == 20, doc
    assert [r['when'] for r in rows] == [r[0] for r in ROWS[-20:]]


@test
def test_compare_forward_folds():
    folds = path('folds.csv')
    p = run('compare', DATA, '--target', 'y', '--models', 'tree,logreg', '--folds', '4',
            '--split-by-time=when', '--json', '--folds-csv', folds)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc['folds_kind'] == 'forward' and doc['folds'] == 4, doc
    assert doc['train_rows'] == 80
    with open(folds, newline='') as f:
        blocks = [(ROWS[int(r['row'])][0], int(r['fold'])) for r in csv.DictReader(f)]
    assert len(blocks) == 80 and {b for _, b in blocks} == {0, 1, 2, 3, 4}
    # blocks are consecutive in time: every date of block b is before every date of block b + 1
    for b in range(4):
        assert max(d for d, k in blocks if k == b) < min(d for d, k in blocks if k == b + 1)
    # and the training split is the earliest 80 rows
    assert max(d for d, _ in blocks) < min(sorted(r[0] for r in ROWS)[-20:])
    p = run('compare', DATA, '--target', 'y', '--models', 'tree', '--folds', '3', '--json')
    assert p.returncode == 0 and json.loads(p.stdout)['folds_kind'] == 'kfold', p.stderr


@test
def test_help_and_errors():
    for command in ('train', 'compare'):
        p = run(command, '--help')
        assert p.returncode == 0 and '--split-by-time' in p.stdout, p.stdout
    for column, word in (('nope', '“nope”'), ('y', '“y”')):
        p = run('train', DATA, '--target', 'y', f'--split-by-time={column}')
        assert p.returncode == 1, p.stderr
        # the error is one line (warnings, such as the leak check's, may come before it)
        lines = [l for l in p.stderr.splitlines() if l.strip() and not l.startswith('kiln-cli: warning:')]
        assert len(lines) == 1 and lines[0].startswith('kiln-cli: ') and word in lines[0], p.stderr


def main():
    print(f'1..{len(tests)}')
    failed = 0
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
