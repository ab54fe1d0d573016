#!/usr/bin/python3
"""Accuracy of `kiln-cli train` on text against scikit-learn's TF-IDF + logistic regression on a
fixed sample of nsmc-train (the first 30,000 reviews, split 75:25 stratified, seed 0, by
../shared/reference/ref_split.py; `rating` dropped: it determines the label). Kiln's default text
features and logistic regression must score within one point of ../shared/reference/ref_text.py
(char_wb 1-3, min_df 2, sublinear tf, LogisticRegression). TAP output; skips without
pandas/scikit-learn or the dataset."""
import gzip, json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
datasets = os.environ.get('KILN_SHARED_DATASETS', '')
reference = os.environ.get('KILN_REFERENCE_DIR', '')
try:
    import pandas, sklearn  # noqa: F401 (the reference scripts need them)
except ImportError as e:
    print(f'1..0 # SKIP needs Debian python3-pandas and python3-sklearn ({e})')
    sys.exit(0)
src = os.path.join(datasets, 'nsmc-train.csv.gz')
if not os.path.exists(src) or not os.path.isdir(reference):
    print(f'1..0 # SKIP no {src} or reference folder')
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix='kiln-text-ref-')
try:
    sample = os.path.join(tmp, 'sample.csv')
    with gzip.open(src, 'rt', encoding='utf-8', newline='') as f, open(sample, 'w', encoding='utf-8', newline='') as g:
        import csv
        r, w = csv.reader(f), csv.writer(g, lineterminator='\n')
        for i, row in enumerate(r):
            if i > 30000:
                break
            w.writerow(row)
    prefix = os.path.join(tmp, 'nsmc')
    subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_split.py'), sample, prefix,
                    '--target', 'sentiment', '--test-size', '0.25', '--seed', '0'], check=True)
    train, test = prefix + '-train.csv', prefix + '-test.csv'
    p = subprocess.run([cli, 'train', train, '--test', test, '--target', 'sentiment', '--model', 'logreg',
                        '--text', 'review', '--drop', 'review_id,rating', '--json'], capture_output=True, text=True)
    print('1..2')
    if p.returncode != 0:
        print(f'not ok 1 - kiln-cli train failed: {p.stderr.strip()}')
        print('not ok 2 - no accuracy to compare')
        sys.exit(0)
    kiln = json.loads(p.stdout)['metrics']['accuracy']
    ref = json.loads(subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_text.py'), train, test,
                                     '--text', 'review', '--target', 'sentiment'],
                                    capture_output=True, text=True, check=True).stdout)['accuracy']
    print(f'# kiln {kiln:.4f}, scikit-learn {ref:.4f} on 7500 test reviews')
    print(f'{"ok" if kiln > 0.8 else "not ok"} 1 - kiln learns the sentiment (accuracy {kiln:.4f})')
    print(f'{"ok" if abs(kiln - ref) <= 0.01 else "not ok"} 2 - within one point of scikit-learn '
          f'({kiln - ref:+.4f})')
finally:
    shutil.rmtree(tmp, ignore_errors=True)
