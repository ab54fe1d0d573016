#!/usr/bin/env python3
"""Every CSV in the shared datasets loads with the rows, columns, types, missing and distinct
counts that pandas (Debian's python3-pandas, through ../shared/reference/ref_inspect.py) gives.
TAP output."""
import gzip, json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
reference = os.environ.get('KILN_REFERENCE_DIR', '')
try:
    import pandas  # noqa: F401
except ImportError:
    print('1..0 # SKIP python3-pandas is not installed (apt-get install python3-pandas)')
    sys.exit(0)
if not os.path.isdir(datasets):
    print(f'1..0 # SKIP no datasets folder at {datasets}')
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix='kiln-pandas-')
files = []
for name in sorted(os.listdir(datasets)):
    path = os.path.join(datasets, name)
    if name.endswith('.csv'):
        files.append(path)
    elif name.endswith('.csv.gz'):
        out = os.path.join(tmp, name[:-3])
        with gzip.open(path, 'rb') as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        files.append(out)

# pandas dtype -> the Kiln types it may correspond to
compatible = {
    'float64': {'numeric'}, 'int64': {'numeric'}, 'bool': {'boolean'},
    'object': {'categorical', 'text', 'datetime', 'boolean'},
}

print(f'1..{len(files)}')
failures = 0
for i, path in enumerate(files, 1):
    name = os.path.basename(path)
    problems = []
    kiln = json.loads(subprocess.run([cli, 'inspect', '--json', path], check=True,
                                     capture_output=True, text=True).stdout)
    ref = json.loads(subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_inspect.py'), path],
                                    check=True, capture_output=True, text=True).stdout)
    if kiln['rows'] != ref['rows']:
        problems.append(f"rows: kiln {kiln['rows']} pandas {ref['rows']}")
    if [c['name'] for c in kiln['columns']] != [c['name'] for c in ref['columns']]:
        problems.append('column names differ')
    raw = None
    for k, r in zip(kiln['columns'], ref['columns']):
        if k['type'] not in compatible.get(r['dtype'], set()):
            problems.append(f"{r['name']}: kiln type {k['type']}, pandas dtype {r['dtype']}")
        if k['missing'] != r['missing'] or k['distinct'] != r['distinct']:
            # Kiln also reads a lone "?" as missing (DESIGN.md's markers; pandas does not): allow
            # exactly that difference
            if raw is None:
                import pandas as pd
                raw = pd.read_csv(path, dtype=str, keep_default_na=False)
            q = int((raw[r['name']].str.strip() == '?').sum())
            if q and k['missing'] == r['missing'] + q and k['distinct'] == r['distinct'] - 1:
                continue
        if k['missing'] != r['missing']:
            problems.append(f"{r['name']}: missing kiln {k['missing']} pandas {r['missing']}")
        if k['distinct'] != r['distinct']:
            problems.append(f"{r['name']}: distinct kiln {k['distinct']} pandas {r['distinct']}")
    if problems:
        failures += 1
        print(f'not ok {i} - {name}')
        for p in problems:
            print(f'# {p}')
    else:
        print(f"ok {i} - {name}: {ref['rows']} rows, {len(ref['columns'])} columns as pandas reads them")
shutil.rmtree(tmp)
sys.exit(1 if failures else 0)
