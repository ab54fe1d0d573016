#!/usr/bin/python3
"""kiln-cli against faults of the machine (issue 15, "Faults"): every command that writes a file
(train --out: a bundle, compare --out: a bundle, predict --out: a predictions CSV, prep --out: a
CSV, export --onnx: an ONNX graph) is pointed at
  - a folder it may not write (chmod 555; as root, kiln-cli runs without CAP_DAC_OVERRIDE through
    setpriv, since root writes anywhere otherwise);
  - a disk that fills while it writes: RLIMIT_FSIZE below the file's size with SIGXFSZ ignored,
    so write(2) fails with EFBIG part-way (any user); and a real full disk, a tmpfs of 4 KiB (one page)
    mounted in a private mount namespace (unshare -m; root only, skipped elsewhere);
and reads a FIFO instead of a CSV. Each time: exit status 1, one line on stderr naming the file,
no file at the destination when there was none, the old file byte for byte when there was one,
no temporary file left beside it. (Under ASan, scripts/test's sanitizer run, the same commands
must not leak.) TAP output.

usage: test_cli_faults.py KILN-CLI
       test_cli_faults.py --in-tmpfs KILN-CLI DIR   (inside the private mount namespace)
"""
import json, os, resource, shutil, signal, stat, subprocess, sys, tempfile, threading

datasets = os.environ.get('KILN_SHARED_DATASETS', '')
penguins = os.path.join(datasets, 'penguins.csv')
tests = []


def test(fn):
    tests.append(fn)
    return fn


def run(cli, *args, wrapper=(), preexec=None, timeout=300):
    return subprocess.run([*wrapper, cli, *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=preexec)


def writers(cli, work, dest):
    """(what, args, destination) for each command that writes a file, into folder @dest."""
    return [
        ('bundle (train --out)', ['train', penguins, '--target', 'species', '--model', 'knn',
                                  '--out', os.path.join(dest, 'model.kiln')],
         os.path.join(dest, 'model.kiln')),
        ('bundle (compare --out)', ['compare', penguins, '--target', 'species', '--folds', '2',
                                    '--out', os.path.join(dest, 'best.kiln')],
         os.path.join(dest, 'best.kiln')),
        ('predictions CSV (predict --out)', ['predict', os.path.join(work, 'forest.kiln'), penguins,
                                             '--out', os.path.join(dest, 'predictions.csv')],
         os.path.join(dest, 'predictions.csv')),
        ('prepared CSV (prep --out)', ['prep', penguins, '--dedupe', '--out',
                                       os.path.join(dest, 'clean.csv')],
         os.path.join(dest, 'clean.csv')),
        ('ONNX graph (export --onnx)', ['export', os.path.join(work, 'forest.kiln'), '--onnx',
                                        os.path.join(dest, 'model.onnx')],
         os.path.join(dest, 'model.onnx')),
    ]


def check_refused(p, what, target, old, folder):
    """The command failed cleanly: exit 1, one line naming the file, nothing half-written."""
    name = os.path.basename(target)
    assert p.returncode == 1, f'{what}: exit {p.returncode}, want 1: {p.stderr[-1500:]}'
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('kiln-cli: '), f'{what}: {p.stderr[-1500:]}'
    assert name in lines[0], f'{what}: the message does not name {name}: {lines[0]}'
    if old is None:
        assert not os.path.exists(target), f'{what}: a partial {name} was left'
    else:
        with open(target, 'rb') as f:
            assert f.read() == old, f'{what}: the old {name} was changed'
    left = [f for f in os.listdir(folder) if f.endswith('.part')]
    assert not left, f'{what}: temporary files left: {left}'
    return lines[0]


def prepare(cli, work):
    bundle = os.path.join(work, 'forest.kiln')
    if not os.path.exists(bundle):
        p = run(cli, 'train', penguins, '--target', 'species', '--model', 'forest', '--out', bundle)
        assert p.returncode == 0, p.stderr


def dac_wrapper():
    """How to run kiln-cli so that file permissions bind it: as root, without the capabilities
    that override them; None when that is not possible."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which('setpriv')
    if setpriv is None:
        return None
    wrapper = (setpriv, '--bounding-set=-dac_override,-dac_read_search', '--')
    probe = tempfile.mkdtemp(prefix='kiln-ro-probe-')
    try:
        os.chmod(probe, 0o555)
        p = subprocess.run([*wrapper, '/bin/sh', '-c', f': > {probe}/x'], capture_output=True)
        return wrapper if p.returncode != 0 else None
    finally:
        os.chmod(probe, 0o755)
        shutil.rmtree(probe, ignore_errors=True)


def fill_limit(limit):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write(2) fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@test
def read_only_folder(cli, work):
    wrapper = dac_wrapper()
    if wrapper is None:
        return 'cannot drop root’s right to write anywhere here (no setpriv)'
    prepare(cli, work)
    folder = os.path.join(work, 'read-only')
    os.makedirs(folder, exist_ok=True)
    old = b'an older file that must stay as it was\n'
    with open(os.path.join(folder, 'model.onnx'), 'wb') as f:
        f.write(old)
    os.chmod(folder, 0o555)
    try:
        for what, args, target in writers(cli, work, folder):
            p = run(cli, *args, wrapper=wrapper)
            check_refused(p, what, target, old if target.endswith('.onnx') else None, folder)
        # the same folder writable: the same commands succeed (the failures were the folder's)
        os.chmod(folder, 0o755)
        for what, args, target in writers(cli, work, folder):
            p = run(cli, *args, wrapper=wrapper)
            assert p.returncode == 0 and os.path.getsize(target) > 0, f'{what}: {p.stderr}'
    finally:
        os.chmod(folder, 0o755)


@test
def file_size_limit(cli, work):
    prepare(cli, work)
    folder = os.path.join(work, 'fsize')
    os.makedirs(folder, exist_ok=True)
    old = b'old\n'
    limit = 1024
    for i, (what, args, target) in enumerate(writers(cli, work, folder)):
        # every other command has an older file to keep
        if i % 2:
            with open(target, 'wb') as f:
                f.write(old)
        p = run(cli, *args, preexec=fill_limit(limit))
        check_refused(p, what, target, old if i % 2 else None, folder)
    # and each of them writes more than the limit without it (so the limit was what failed)
    for what, args, target in writers(cli, work, folder):
        p = run(cli, *args)
        assert p.returncode == 0 and os.path.getsize(target) > limit, \
            f'{what}: {p.returncode} {os.path.getsize(target) if os.path.exists(target) else 0}'


def tmpfs_checks(cli, folder):
    """Inside the private mount namespace: @folder is a tmpfs of 4 KiB (one page)."""
    work = os.path.dirname(folder)
    old = b'x' * 2000
    for i, (what, args, target) in enumerate(writers(cli, work, folder)):
        if i % 2:
            with open(target, 'wb') as f:
                f.write(old)
        p = run(cli, *args)
        check_refused(p, what, target, old if i % 2 else None, folder)
        if i % 2:
            os.unlink(target)


@test
def full_disk(cli, work):
    if os.geteuid() != 0 or shutil.which('unshare') is None:
        return 'a tmpfs needs root (the file size limit above stands for it)'
    prepare(cli, work)
    folder = os.path.join(work, 'tmpfs')
    os.makedirs(folder, exist_ok=True)
    probe = subprocess.run(['unshare', '-m', '--propagation', 'private', 'mount', '-t', 'tmpfs',
                            '-o', 'size=4k', 'tmpfs', folder], capture_output=True, text=True)
    if probe.returncode != 0:
        return f'cannot mount a tmpfs here: {probe.stderr.strip()}'
    p = subprocess.run(['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c',
                        'mount -t tmpfs -o size=4k tmpfs "$1" && exec "$2" "$3" --in-tmpfs "$4" "$1"',
                        'sh', folder, sys.executable, os.path.abspath(__file__), cli],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr


@test
def fifo_source(cli, work):
    fifo = os.path.join(work, 'pipe.csv')
    os.mkfifo(fifo)

    def feed():
        try:
            fd = os.open(fifo, os.O_WRONLY)
        except OSError:
            return
        with open(penguins, 'rb') as f:
            try:
                os.write(fd, f.read())
            except BrokenPipeError:
                pass
        os.close(fd)

    for args in (['inspect', fifo], ['train', fifo, '--target', 'species'],
                 ['predict', os.path.join(work, 'forest.kiln'), fifo]):
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        p = run(cli, *args, timeout=60)
        assert p.returncode == 1, f'{args[0]}: exit {p.returncode}: {p.stderr}'
        assert 'pipe.csv' in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
        # a writer still waiting for a reader gets one, and ends
        try:
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(10)
            os.close(fd)
        except OSError:
            pass


def main(cli):
    print(f'1..{len(tests)}')
    failed = 0
    work = tempfile.mkdtemp(prefix='kiln-cli-faults-')
    try:
        for i, fn in enumerate(tests, 1):
            try:
                skip = fn(cli, work) if os.path.exists(penguins) else 'no datasets'
                print(f'ok {i} - {fn.__name__}' + (f' # SKIP {skip}' if skip else ''))
            except Exception as e:
                failed += 1
                print(f'not ok {i} - {fn.__name__}')
                for line in f'{type(e).__name__}: {e}'.splitlines():
                    print(f'# {line}')
            sys.stdout.flush()
    finally:
        for root, dirs, _ in os.walk(work):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    if sys.argv[1] == '--in-tmpfs':
        tmpfs_checks(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main(sys.argv[1]))
