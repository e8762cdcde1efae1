#!/usr/bin/env python3
"""Generate tests/fixtures/ports.json: the stdout of each PyTorch program in
tests/ports/python/, which tests/ports.test.ts compares with what the line-by-line
TypeScript port in tests/ports/ts/ prints.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_port_fixtures.py

Each program runs in its own process with one CPU thread (so that float32 sums are
reduced in one fixed order) and must finish within a minute.
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
programs = os.path.join(here, '..', 'tests', 'ports', 'python')
fixture = {}
for name in sorted(os.listdir(programs)):
    if not name.endswith('.py'):
        continue
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONHASHSEED='0')
    out = subprocess.run([sys.executable, os.path.join(programs, name)], env=env, check=True,
                         capture_output=True, text=True, timeout=60)
    fixture[name[:-3]] = out.stdout.split('\n')[:-1] if out.stdout.endswith('\n') else out.stdout.split('\n')

path = os.path.join(here, '..', 'tests', 'fixtures', 'ports.json')
with open(path, 'w') as f:
    json.dump(fixture, f, indent=1)
    f.write('\n')
