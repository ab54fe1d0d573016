#!/usr/bin/python3
"""Accuracy of `kiln-cli train` on text against scikit-learn's TF-IDF + logistic regression on a
fixed sample of nsmc-train (the first 30,000 reviews, split 75:25 stratified, seed 0, by
../shared/reference/ref_split.py; `rating` dropped: it determines the label). Kiln's default text
features and logistic regression must score within one point of ../shared/reference/ref_text.py
(char_wb 1-3, min_df 2, sublinear tf, LogisticRegression). Naive Bayes likewise against
MultinomialNB on the same TF-IDF (within one point), and the MLP against MLPClassifier(64 hidden
units, 10 epochs each side, Adam as Kiln's) on the first 8,000 of those reviews (within two
points: two networks from different random starts). TAP output; skips without pandas/scikit-learn
or the dataset."""
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
    small = os.path.join(tmp, 'small')
    with open(sample, encoding='utf-8', newline='') as f, open(small + '.csv', 'w', encoding='utf-8', newline='') as g:
        for i, line in enumerate(f):
            if i > 8000:
                break
            g.write(line)
    subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_split.py'), small + '.csv', small,
                    '--target', 'sentiment', '--test-size', '0.25', '--seed', '0'], check=True)

    def kiln_accuracy(tr, te, model, *flags):
        p = subprocess.run([cli, 'train', tr, '--test', te, '--target', 'sentiment', '--model', model,
                            '--text', 'review', '--drop', 'review_id,rating', '--json', *flags],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return None, p.stderr.strip()
        return json.loads(p.stdout)['metrics']['accuracy'], None

    # scikit-learn's side: the same TF-IDF as ref_text.py, then the family under test
    script = (
        "import sys, json, warnings\n"
        "import pandas as pd\n"
        "from sklearn.feature_extraction.text import TfidfVectorizer\n"
        "from sklearn.naive_bayes import MultinomialNB\n"
        "from sklearn.neural_network import MLPClassifier\n"
        "warnings.filterwarnings('ignore')\n"
        "tr, te = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])\n"
        "v = TfidfVectorizer(analyzer='char_wb', ngram_range=(1, 3), min_df=2, sublinear_tf=True)\n"
        "X = v.fit_transform(tr['review'].fillna('').astype(str))\n"
        "Xt = v.transform(te['review'].fillna('').astype(str))\n"
        "m = MultinomialNB() if sys.argv[3] == 'nb' else MLPClassifier(hidden_layer_sizes=(64,), max_iter=10, random_state=0)\n"
        "m.fit(X, tr['sentiment'].astype(str))\n"
        "print(json.dumps({'accuracy': float((m.predict(Xt) == te['sentiment'].astype(str)).mean())}))\n")

    def sklearn_accuracy(tr, te, model):
        return json.loads(subprocess.run(['/usr/bin/python3', '-c', script, tr, te, model],
                                         capture_output=True, text=True, check=True).stdout)['accuracy']

    print('1..6')
    kiln, err = kiln_accuracy(train, test, 'logreg')
    if kiln is None:
        print(f'not ok 1 - kiln-cli train failed: {err}')
        print('not ok 2 - no accuracy to compare')
    else:
        ref = json.loads(subprocess.run(['/usr/bin/python3', os.path.join(reference, 'ref_text.py'), train, test,
                                         '--text', 'review', '--target', 'sentiment'],
                                        capture_output=True, text=True, check=True).stdout)['accuracy']
        print(f'# kiln {kiln:.4f}, scikit-learn {ref:.4f} on 7500 test reviews')
        print(f'{"ok" if kiln > 0.8 else "not ok"} 1 - kiln learns the sentiment (accuracy {kiln:.4f})')
        print(f'{"ok" if abs(kiln - ref) <= 0.01 else "not ok"} 2 - within one point of scikit-learn '
              f'({kiln - ref:+.4f})')
    n = 3
    for model, tr, te, flags, floor, margin, what in (
            ('nb', train, test, (), 0.8, 0.01, 'MultinomialNB, 7500 test reviews'),
            ('mlp', small + '-train.csv', small + '-test.csv', ('--epochs', '10'), 0.75, 0.02,
             'MLPClassifier, 2000 test reviews')):
        kiln, err = kiln_accuracy(tr, te, model, *flags)
        if kiln is None:
            print(f'not ok {n} - kiln-cli train --model {model} failed: {err}')
            print(f'not ok {n + 1} - no accuracy to compare')
        else:
            ref = sklearn_accuracy(tr, te, model)
            print(f'# {model}: kiln {kiln:.4f}, scikit-learn {ref:.4f} ({what})')
            print(f'{"ok" if kiln > floor else "not ok"} {n} - kiln {model} learns the sentiment (accuracy {kiln:.4f})')
            print(f'{"ok" if abs(kiln - ref) <= margin else "not ok"} {n + 1} - {model} within '
                  f'{margin * 100:.0f} point(s) of scikit-learn ({kiln - ref:+.4f})')
        n += 2
finally:
    shutil.rmtree(tmp, ignore_errors=True)
