#!/usr/bin/python3
"""`kiln-cli serve` end to end: usage and start-up errors, every endpoint on a free port, served
predictions equal to `kiln-cli predict` on the same rows (classification and regression, with
missing values and categories), the access log, SIGHUP with a good and a corrupt bundle (and the
log reopened), SIGTERM while a request is in flight (answered, then exit 0), SIGINT.
Needs only the standard library. TAP output."""
import csv, gzip, hashlib, io, json, os, re, shutil, signal, socket, subprocess, sys, tempfile
import time, urllib.error, urllib.request

cli = sys.argv[1]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
penguins = os.path.join(datasets, 'penguins.csv')
tmp = tempfile.mkdtemp(prefix='kiln-cli-serve-')
tests = []
LOG_LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (GET|POST|HEAD|PUT|DELETE) \S+ '
                      r'(\d{3}|-) rows=\d+ us=\d+$')


def test(fn):
    tests.append(fn)
    return fn


def run(*args, timeout=120):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=timeout)


def usage_error(p):
    assert p.returncode == 2, f'exit {p.returncode}, want 2: {p.stderr}'
    assert p.stderr.startswith('kiln-cli: '), p.stderr


def error_one_line(p):
    assert p.returncode == 1, f'exit {p.returncode}, want 1: {p.stderr}'
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('kiln-cli: '), p.stderr


def train(name, target, model):
    path = os.path.join(tmp, name)
    if not os.path.exists(path):
        p = run('train', penguins, '--target', target, '--model', model, '--out', path)
        assert p.returncode == 0, p.stderr
    return path


def content_hash(bundle):
    """What /health reports: the SHA-256 of the bundle's JSON document."""
    with open(bundle, 'rb') as f:
        return hashlib.sha256(gzip.decompress(f.read())).hexdigest()


class Server:
    def __init__(self, bundle, *extra):
        self.log = os.path.join(tmp, 'access.log')
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.proc = subprocess.Popen([cli, 'serve', bundle, '--port', '0', '--threads', '2',
                                      '--log', self.log, *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith('http://127.0.0.1:'), (self.url, self.proc.stderr.read())
        self.port = int(self.url.rsplit(':', 1)[1])

    def call(self, method, path, body=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def json(self, method, path, body=None, status=200):
        got, text, _ = self.call(method, path, body)
        assert got == status, f'{method} {path}: {got}, want {status}: {text}'
        return json.loads(text)

    def log_lines(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except FileNotFoundError:   # moved away, not reopened yet
            return []

    def wait_log(self, needle, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(needle in l for l in self.log_lines()):
                return
            time.sleep(0.05)
        raise AssertionError(f'the log never said “{needle}”: {self.log_lines()[-5:]}')

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()
            self.proc.stderr.close()
        return code


def csv_rows():
    """penguins.csv as JSON rows: numbers as numbers, empty cells as null, text as text."""
    with open(penguins, newline='') as f:
        rows = list(csv.DictReader(f))
    numeric = {k for k in rows[0] if all(r[k] == '' or re.fullmatch(r'-?[\d.]+', r[k]) for r in rows)}
    out = []
    for r in rows:
        out.append({k: (None if v == '' else float(v) if k in numeric else v) for k, v in r.items()})
    return out


def cli_predictions(bundle):
    p = run('predict', bundle, penguins)
    assert p.returncode == 0, p.stderr
    return list(csv.DictReader(io.StringIO(p.stdout)))


@test
def usage_errors():
    usage_error(run('serve'))
    usage_error(run('serve', 'a.kiln', 'b.kiln'))
    usage_error(run('serve', 'a.kiln', '--port', '70000'))
    usage_error(run('serve', 'a.kiln', '--threads', '-1'))
    usage_error(run('serve', 'a.kiln', '--max-rows', '0'))
    usage_error(run('serve', 'a.kiln', '--no-such-flag'))
    assert 'SIGHUP' in run('serve', '--help').stdout


@test
def start_errors():
    error_one_line(run('serve', os.path.join(tmp, 'missing.kiln')))
    broken = os.path.join(tmp, 'broken.kiln')
    with open(broken, 'wb') as f:
        f.write(b'\x1f\x8b\x08\x00 not a bundle')
    error_one_line(run('serve', broken))
    bundle = train('species.kiln', 'species', 'logreg')
    error_one_line(run('serve', bundle, '--host', 'nowhere.invalid'))
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        p = run('serve', bundle, '--port', str(taken.getsockname()[1]))
        error_one_line(p)
        assert 'Cannot listen' in p.stderr, p.stderr


@test
def endpoints():
    bundle = train('species.kiln', 'species', 'logreg')
    s = Server(bundle)
    try:
        health = s.json('GET', '/health')
        assert health['status'] == 'ok' and health['content_hash'] == content_hash(bundle), health
        meta = s.json('GET', '/metadata')
        assert meta['target'] == 'species' and meta['classes'] == ['Adelie', 'Chinstrap', 'Gentoo'], meta
        assert [c['name'] for c in meta['inputs']] == ['island', 'bill_length_mm', 'bill_depth_mm',
                                                       'flipper_length_mm', 'body_mass_g', 'sex'], meta
        api = s.json('GET', '/openapi.json')
        row = api['components']['schemas']['Row']
        assert row['properties']['island']['type'] == 'string', row
        assert row['properties']['bill_length_mm']['type'] == 'number', row
        status, text, headers = s.call('GET', '/metrics')
        assert status == 200 and headers['Content-Type'].startswith('text/plain'), headers
        assert 'kiln_requests_total{endpoint="/health",status="200"} 1' in text, text
        assert s.call('GET', '/nothing')[0] == 404
        assert s.call('GET', '/predict')[0] == 405
        err = s.json('POST', '/predict', '{"rows": [{"island": "Biscoe"}]}', status=400)
        assert err['row'] == 1 and err['field'] == 'bill_length_mm', err
        err = s.json('POST', '/predict', 'nonsense', status=400)
        assert 'JSON' in err['error'], err
    finally:
        assert s.stop() == 0
    lines = s.log_lines()
    requests = [l for l in lines if LOG_LINE.match(l)]
    assert len(requests) == 8, lines
    assert any(' POST /predict 400 rows=0 us=' in l for l in requests), lines
    assert any('listening on http://127.0.0.1:' in l for l in lines), lines


def check_same(bundle, classification):
    want = cli_predictions(bundle)
    rows = csv_rows()
    s = Server(bundle)
    try:
        got = s.json('POST', '/predict', json.dumps({'rows': rows}))['predictions']
        singles = {i: s.json('POST', '/predict', json.dumps({'rows': [rows[i]]}))['predictions'][0]
                   for i in range(0, len(rows), 25)}
    finally:
        assert s.stop() == 0
    assert len(got) == len(want) == len(rows)
    for i, (g, w) in enumerate(zip(got, want)):
        if classification:
            assert g['label'] == w['prediction'], (i, g, w)
            for cls, p in g['probabilities'].items():
                assert p == float(w['p_' + cls]), (i, cls, p, w)
        else:
            assert g['value'] == float(w['prediction']), (i, g, w)
    for i, g in singles.items():
        assert g == got[i], (i, g, got[i])
    assert sum(1 for r in rows if None in r.values()) > 0   # missing values were in there


@test
def same_as_predict_classification():
    check_same(train('species.kiln', 'species', 'logreg'), True)


@test
def same_as_predict_regression():
    check_same(train('mass.kiln', 'body_mass_g', 'tree'), False)


@test
def reload_on_sighup():
    first = train('species.kiln', 'species', 'logreg')
    second = train('species-tree.kiln', 'species', 'tree')
    served = os.path.join(tmp, 'served.kiln')
    shutil.copy(first, served)
    s = Server(served)
    try:
        assert s.json('GET', '/health')['content_hash'] == content_hash(first)
        # a good new bundle, and the log moved away first (log rotation)
        shutil.copy(second, served + '.new')
        os.replace(served + '.new', served)
        os.replace(s.log, s.log + '.1')
        s.proc.send_signal(signal.SIGHUP)
        s.wait_log(f'serving bundle {content_hash(second)} (was {content_hash(first)})')
        assert s.json('GET', '/health')['content_hash'] == content_hash(second)
        # a corrupt one: the last good bundle keeps answering
        with open(served, 'wb') as f:
            f.write(b'\x1f\x8b' + os.urandom(200))
        s.proc.send_signal(signal.SIGHUP)
        s.wait_log(f'reload failed, still serving bundle {content_hash(second)}')
        assert s.json('GET', '/health')['content_hash'] == content_hash(second)
        pred = s.json('POST', '/predict', json.dumps({'rows': csv_rows()[:3]}))
        assert len(pred['predictions']) == 3
        metrics = s.call('GET', '/metrics')[1]
        assert 'kiln_reloads_total{result="ok"} 1' in metrics, metrics
        assert 'kiln_reloads_total{result="failed"} 1' in metrics, metrics
    finally:
        assert s.stop() == 0
    with open(s.log + '.1') as f:
        assert 'listening on' in f.read()


@test
def sigterm_finishes_request_in_flight():
    bundle = train('species.kiln', 'species', 'logreg')
    s = Server(bundle)
    body = json.dumps({'rows': csv_rows()[:5]}).encode()
    try:
        with socket.create_connection(('127.0.0.1', s.port), timeout=20) as c:
            c.sendall(b'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                      b'Content-Length: %d\r\n\r\n' % len(body) + body[:len(body) // 2])
            deadline = time.time() + 10
            while 'kiln_requests_in_flight 2' not in s.call('GET', '/metrics')[1]:
                assert time.time() < deadline, 'the request never got in flight'
                time.sleep(0.02)
            s.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            assert s.proc.poll() is None, 'stopped before the request in flight was answered'
            c.sendall(body[len(body) // 2:])
            answer = b''
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b'HTTP/1.1 200'), answer[:200]
        assert b'"predictions":[' in answer, answer[:300]
        assert s.proc.wait(timeout=20) == 0
        # nothing listens any more
        try:
            socket.create_connection(('127.0.0.1', s.port), timeout=2).close()
            raise AssertionError('still listening after SIGTERM')
        except ConnectionRefusedError:
            pass
    finally:
        s.stop()
    assert any('stopped' in l for l in s.log_lines()), s.log_lines()


@test
def sigint_exits_zero():
    s = Server(train('species.kiln', 'species', 'logreg'))
    assert s.json('GET', '/health')['status'] == 'ok'
    assert s.stop(signal.SIGINT) == 0


print(f'1..{len(tests)}')
failed = 0
for i, fn in enumerate(tests, 1):
    try:
        skip = fn() if os.path.exists(penguins) else 'no datasets'
        print(f'ok {i} - {fn.__name__}' + (f' # SKIP {skip}' if skip else ''))
    except Exception as e:
        failed += 1
        print(f'not ok {i} - {fn.__name__}')
        for line in f'{type(e).__name__}: {e}'.splitlines():
            print(f'# {line}')
    sys.stdout.flush()
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
