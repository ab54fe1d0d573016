#!/usr/bin/env python3
"""Translations are kept complete: every source file with translatable strings is listed in
po/POTFILES.in, and po/ko.po translates every string the sources hold, with nothing fuzzy.
TAP output."""
import os, re, subprocess, sys, tempfile

root = sys.argv[1]
checks = []

listed = set()
with open(os.path.join(root, 'po', 'POTFILES.in')) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.add(line)

pattern = re.compile(r'\b(_|N_|C_|NC_|g_dngettext)\s*\(|translatable="yes"')
found = set()
for top in ('app', 'widgets', 'core', 'cli', 'resources', 'data'):
    for dirpath, _dirs, files in os.walk(os.path.join(root, top)):
        for name in files:
            if not name.endswith(('.c', '.ui', '.xml.in', '.desktop.in')):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding='utf-8') as fh:
                if pattern.search(fh.read()):
                    found.add(rel)
missing = sorted(found - listed)
stale = sorted(p for p in listed if not os.path.exists(os.path.join(root, p)))
checks.append(('POTFILES.in lists every file with translatable strings', not missing and not stale,
               [f'not listed: {p}' for p in missing] + [f'listed but gone: {p}' for p in stale]))

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'kiln.pot')
    files = sorted(listed & found)
    subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_',
                    '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dngettext:2,3',
                    '--keyword=g_dpgettext2:2c,3', '-o', pot] + files,
                   cwd=root, check=True, capture_output=True)
    merged = os.path.join(tmp, 'ko.po')
    subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged,
                    os.path.join(root, 'po', 'ko.po'), pot], check=True, capture_output=True)
    stats = subprocess.run(['msgfmt', '--statistics', '-o', '/dev/null', merged],
                           capture_output=True, text=True).stderr.strip()
    ok = 'untranslated' not in stats and 'fuzzy' not in stats
    checks.append((f'po/ko.po translates every string ({stats})', ok, []))
    check = subprocess.run(['msgfmt', '--check', '-o', '/dev/null', os.path.join(root, 'po', 'ko.po')],
                           capture_output=True, text=True)
    checks.append(('po/ko.po passes msgfmt --check', check.returncode == 0, check.stderr.splitlines()[:10]))

# A format macro spliced into a message ("line %" G_GUINT64_FORMAT) cuts the extracted msgid at
# the "%": the translation can never match and the message stays English. Use %llu, %zu and casts.
spliced = []
macro = re.compile(r'"\s*(G_G[A-Z0-9]+_FORMAT|PRI[diouxX][0-9A-Z]*)\b')
call = re.compile(r'\b(_|N_|C_|NC_|g_dngettext)\s*\(')
for rel in sorted(found):
    if not rel.endswith('.c'):
        continue
    with open(os.path.join(root, rel), encoding='utf-8') as fh:
        lines = fh.read().split('\n')
    for i, line in enumerate(lines):
        if macro.search(line) and any(call.search(l) for l in lines[max(0, i - 2):i + 1]):
            spliced.append(f'{rel}:{i + 1}: {line.strip()}')
checks.append(('no translatable message splices a format macro', not spliced, spliced))

print(f'1..{len(checks)}')
failed = 0
for i, (name, ok, details) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in details:
        print(f'# {d}')
    failed += not ok
sys.exit(1 if failed else 0)
