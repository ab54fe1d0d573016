"""Runs the reference scripts (ref_split.py, ref_train.py) unchanged, many times in one interpreter.

Usage: ref-batch.py JOBS.json RESULTS.jsonl [CACHE_DIR]
JOBS.json is a list of {"id": str, "script": path, "argv": [str, ...], "cache": bool}. Each job
runs the script as __main__ with that argv (importing pandas and scikit-learn once instead of once
per job); one JSON line per job goes to RESULTS.jsonl: {"id", "stdout", "seconds", "error",
"cached"}.

With CACHE_DIR, a job marked "cache" whose inputs are unchanged is answered from the cache: the key
is the SHA-256 of the script's bytes, the scikit-learn/pandas/numpy versions, and every argument
(an argument naming a file contributes the file's bytes, not its path). The reference fits are
deterministic for a given seed, so a cached answer is the answer; the first run pays for them all.
"""
import contextlib, hashlib, io, json, os, runpy, sys, time, traceback

import numpy, pandas, sklearn

jobs = json.load(open(sys.argv[1]))
cache_dir = sys.argv[3] if len(sys.argv) > 3 else None
if cache_dir:
    os.makedirs(cache_dir, exist_ok=True)
versions = f'{sklearn.__version__} {pandas.__version__} {numpy.__version__}'.encode()


def cache_key(job):
    h = hashlib.sha256()
    with open(job['script'], 'rb') as f:
        h.update(f.read())
    h.update(versions)
    for a in job['argv']:
        if os.path.isfile(a):
            with open(a, 'rb') as f:
                h.update(b'file:' + hashlib.sha256(f.read()).digest())
        else:
            h.update(b'arg:' + a.encode())
    return h.hexdigest()


with open(sys.argv[2], 'w') as results:
    for job in jobs:
        path = None
        if cache_dir and job.get('cache'):
            path = os.path.join(cache_dir, cache_key(job) + '.json')
            if os.path.exists(path):
                with open(path) as f:
                    hit = json.load(f)
                hit.update(id=job['id'], cached=True)
                results.write(json.dumps(hit) + '\n')
                results.flush()
                continue
        out, err = io.StringIO(), None
        sys.argv = [job['script']] + job['argv']
        t = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(job['script'], run_name='__main__')
        except SystemExit as e:
            if e.code not in (None, 0):
                err = 'exit %s' % e.code
        except BaseException:
            err = traceback.format_exc()
        answer = {'id': job['id'], 'stdout': out.getvalue(), 'seconds': time.perf_counter() - t,
                  'error': err, 'cached': False}
        if path and err is None:
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(answer, f)
            os.replace(tmp, path)
        results.write(json.dumps(answer) + '\n')
        results.flush()
