"""Runs the reference scripts (ref_split.py, ref_train.py) unchanged, many times in one interpreter.

Usage: ref-batch.py JOBS.json RESULTS.jsonl
JOBS.json is a list of {"id": str, "script": path, "argv": [str, ...]}. Each job runs the script as
__main__ with that argv (importing pandas and scikit-learn once instead of once per job); one JSON
line per job goes to RESULTS.jsonl: {"id", "stdout", "seconds", "error"}.
"""
import contextlib, io, json, runpy, sys, time, traceback

jobs = json.load(open(sys.argv[1]))
with open(sys.argv[2], 'w') as results:
    for job in jobs:
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
        results.write(json.dumps({'id': job['id'], 'stdout': out.getvalue(),
                                  'seconds': time.perf_counter() - t, 'error': err}) + '\n')
        results.flush()
