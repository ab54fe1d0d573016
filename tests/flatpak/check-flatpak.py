#!/usr/bin/env python3
"""What an offline machine can check of the Flatpak and the desktop integration (TAP):
the manifest parses (flatpak-builder --show-manifest when installed) with the expected runtime,
modules, pinned sources and least permissions; OpenBLAS is built for every CPU of x86-64 and
aarch64 and single-threaded; the metainfo says why the network is used, has English and Korean
screenshots that exist, release notes, a content rating, sizes and Korean keywords; the desktop
file has Korean keywords; the README shows the screenshots and the two Flatpak commands.

usage: check-flatpak.py SOURCE_ROOT MERGED_METAINFO MERGED_DESKTOP_FILE"""
import json, os, re, shutil, subprocess, sys
import xml.etree.ElementTree as ET

root, metainfo_path, desktop_path = sys.argv[1:4]
manifest_path = os.path.join(root, 'flatpak', 'org.kiln.Kiln.json')
results = []


def check(name, ok, details=()):
    results.append((name, bool(ok), list(details)))


# ---- the manifest --------------------------------------------------------------------------
builder = shutil.which('flatpak-builder')
if builder:
    run = subprocess.run([builder, '--show-manifest', manifest_path], capture_output=True, text=True)
    check('flatpak-builder parses the manifest without warnings',
          run.returncode == 0 and 'WARNING' not in run.stderr and 'Unknown' not in run.stderr,
          run.stderr.splitlines()[:5])
    manifest = json.loads(run.stdout) if run.returncode == 0 else json.load(open(manifest_path))
else:
    manifest = json.load(open(manifest_path))
    check('the manifest is JSON (flatpak-builder not installed: its parser not run)', True)

app_id = manifest.get('id') or manifest.get('app-id')
check('app id, runtime, SDK and command',
      app_id == 'org.kiln.Kiln' and manifest.get('runtime') == 'org.gnome.Platform'
      and manifest.get('sdk') == 'org.gnome.Sdk' and manifest.get('command') == 'kiln',
      [f'{k}: {manifest.get(k)}' for k in ('id', 'runtime', 'sdk', 'command')])
version = str(manifest.get('runtime-version', ''))
check(f'a supported GNOME runtime (50 or newer): {version}',
      version.isdigit() and int(version) >= 50)

expected_args = {'--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri',
                 '--share=network'}
args = set(manifest.get('finish-args', []))
check('the least permissions: Wayland, X11 fallback, IPC, DRI, network; files only by portals',
      args == expected_args,
      [f'extra: {a}' for a in sorted(args - expected_args)] +
      [f'missing: {a}' for a in sorted(expected_args - args)])

modules = manifest.get('modules', [])
names = [m.get('name') if isinstance(m, dict) else m for m in modules]
check('modules: libcsv, openblas, uchardet, then kiln (meson)',
      names == ['libcsv', 'openblas', 'uchardet', 'kiln']
      and isinstance(modules[-1], dict) and modules[-1].get('buildsystem') == 'meson',
      [f'modules: {names}'])

unpinned = []
for m in modules:
    if not isinstance(m, dict):
        unpinned.append(f'{m}: a module file, not checked')
        continue
    for s in m.get('sources', []):
        kind = s.get('type')
        if kind == 'git':
            if not re.fullmatch(r'[0-9a-f]{40}', s.get('commit', '')) or 'branch' in s:
                unpinned.append(f"{m['name']}: git {s.get('url')} without a commit")
        elif kind in ('archive', 'file'):
            if not s.get('url', '').startswith('https://') or \
               not re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', '')):
                unpinned.append(f"{m['name']}: {kind} {s.get('url')} without https and sha256")
        elif kind == 'dir':
            if m['name'] != 'kiln':
                unpinned.append(f"{m['name']}: a local folder")
        elif kind not in ('shell', 'patch'):
            unpinned.append(f"{m['name']}: a {kind} source")
check('every source is pinned (a git commit, or an https archive with its sha256)',
      not unpinned, unpinned)

blas = next((m for m in modules if isinstance(m, dict) and m.get('name') == 'openblas'), {})
makes = [c for c in blas.get('build-commands', []) if c.startswith('make')]
want = ['DYNAMIC_ARCH=1', 'TARGET=GENERIC', 'USE_THREAD=0', 'USE_OPENMP=0', 'USE_LOCKING=1']
bad = [f'{c[:60]}...: lacks {w}' for c in makes for w in want if w not in c.split()]
check('OpenBLAS: every x86-64 and aarch64 CPU (DYNAMIC_ARCH), single-threaded, safe from '
      'several threads', makes and not bad, bad)
check('OpenBLAS provides LAPACKE under the name Kiln links (liblapacke.so)',
      any('liblapacke.so' in c for c in blas.get('build-commands', [])))

flathub = json.load(open(os.path.join(root, 'flatpak', 'flathub.json')))
check('built for x86_64 and aarch64', sorted(flathub.get('only-arches', [])) == ['aarch64', 'x86_64'])

# ---- the metainfo (merged with the translations) -------------------------------------------
XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
tree = ET.parse(metainfo_path).getroot()
desc = ' '.join(p.text or '' for p in tree.find('description').iter('p') if p.get(XML_LANG) is None)
check('the metainfo says what the network is for (the local prediction service)',
      'network' in desc and 'prediction service' in desc)

shots = tree.findall('screenshots/screenshot')
missing, langs = [], set()
for shot in shots:
    for image in shot.findall('image'):
        lang = image.get(XML_LANG, 'en')
        langs.add(lang)
        name = os.path.basename(image.text.strip())
        if not os.path.exists(os.path.join(root, 'data', 'screenshots', name)):
            missing.append(f'{name} is not in data/screenshots')
    if not [i for i in shot.findall('image') if i.get(XML_LANG) == 'ko']:
        missing.append(f'a screenshot without a Korean image: {shot.findtext("caption")}')
check('screenshots in English and Korean, each image in data/screenshots',
      len(shots) >= 2 and {'en', 'ko'} <= langs and not missing, missing)
check('every screenshot caption is translated into Korean',
      all(any(c.get(XML_LANG) == 'ko' for c in s.findall('caption')) for s in shots))

releases = tree.findall('releases/release')
check('release notes for every release',
      releases and all(r.find('description') is not None and r.get('date') for r in releases))
rating = tree.find('content_rating')
check('a content rating (OARS 1.1)', rating is not None and rating.get('type') == 'oars-1.1')
check('supported and recommended sizes',
      tree.find("requires/display_length") is not None
      and tree.find("recommends/display_length") is not None
      and {c.text for c in tree.findall('supports/control')} >= {'keyboard', 'pointing'})
keywords = tree.findall('keywords/keyword')
check('keywords in English and Korean',
      any(k.get(XML_LANG) is None for k in keywords) and any(k.get(XML_LANG) == 'ko' for k in keywords))

desktop = open(desktop_path, encoding='utf-8').read()
check('the desktop file has Korean keywords and name',
      re.search(r'^Keywords\[ko\]=.*머신러닝', desktop, re.M) is not None
      and re.search(r'^Comment\[ko\]=', desktop, re.M) is not None)

# ---- the README ----------------------------------------------------------------------------
readme = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
shown = set(re.findall(r'data/screenshots/([\w-]+\.png)', readme))
check('the README shows the screenshots in both languages',
      any(s.endswith('-en.png') for s in shown) and any(s.endswith('-ko.png') for s in shown)
      and all(os.path.exists(os.path.join(root, 'data', 'screenshots', s)) for s in shown))
check('the README gives the commands that build and install the Flatpak',
      re.search(r'flatpak-builder .*--install .*flatpak/org\.kiln\.Kiln\.json', readme) is not None
      and re.search(r'flatpak run org\.kiln\.Kiln', readme) is not None)

print(f'1..{len(results)}')
for i, (name, ok, details) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in details:
        print(f'# {d}')
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
