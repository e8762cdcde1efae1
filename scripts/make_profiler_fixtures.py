"""Fixtures for tests/profiler.test.ts, from PyTorch's own profiler code: its schedule, the
steps at which a scheduled profile hands over a trace, and the tables, key averages and
totals it prints for a fixed set of events (built as PyTorch builds FunctionEvents, so the
numbers do not depend on a clock).

PyTorch 1.13 prints memory as `b`/`Kb`/`Mb`; PyTorch 2 (the specification) prints `B`/`KB`/
`MB`, and that is the only change to its table since: the units are rewritten here.

    /usr/bin/python3 scripts/make_profiler_fixtures.py
"""
import json
import re
import warnings

import torch
from torch.autograd import DeviceType
from torch.autograd.profiler_util import EventList, FunctionEvent
from torch.profiler import ProfilerAction, schedule

out = {}

# ------------------------------------------------------------------ schedules
SCHEDULES = [
    dict(wait=1, warmup=1, active=2),
    dict(wait=0, warmup=1, active=1, repeat=2),
    dict(wait=2, warmup=0, active=3, repeat=1, skip_first=3),
    dict(wait=1, warmup=2, active=1, repeat=0, skip_first=1),
]
out['schedules'] = []
for s in SCHEDULES:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fn = schedule(**s)
    out['schedules'].append({'args': s, 'actions': [fn(i).name for i in range(16)]})

# The steps at which on_trace_ready runs, for N calls of step() inside the profile.
out['trace_ready'] = []
for s in SCHEDULES:
    for n in (0, 3, 7, 12):
        ready = []
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], schedule=schedule(**s),
                                        on_trace_ready=lambda p: ready.append(p.step_num)) as p:
                for _ in range(n):
                    torch.ones(2).add_(1)
                    p.step()
        out['trace_ready'].append({'args': s, 'steps': n, 'ready': ready})

# ------------------------------------------------------------------ tables
# (name, thread, start, end, shapes, stack, scope, cpu_mem, seq, device)
SPECS = [
    ('train_step', 1, 0.0, 25012.5, [], [], 0, 896, -1),
    ('nn.Module: Linear_0', 1, 10.25, 400.5, [], ['a.js(3): f', 'b.js(9): main'], 0, 256, -1),
    ('flint::gemm', 1, 20.0, 300.125, [[4, 8], [8, 16]], ['a.js(4): f', 'b.js(9): main'], 0, 512, -1),
    ('flint::add', 1, 310.0, 390.0, [[4, 16], [16]], [], 0, 256, -1),
    ('flint::gemm', 1, 410.0, 600.0, [[4, 16], [16, 2]], [], 0, 128, -1),
    ('autograd::engine::evaluate_function: AddmmBackward0', 1, 610.0, 900.0, [], [], 0, -384, -1),
    ('AddmmBackward0', 1, 610.0, 900.0, [], [], 1, 640, 7),
    ('flint::gemm', 1, 620.0, 800.0, [[2, 4], [4, 16]], [], 0, 1536, -1),
    ('flint::sum', 1, 800.0, 880.0, [[4, 16]], [], 0, 64, -1),
    ('Optimizer.step#SGD.step', 1, 1000.0, 2500.75, [], [], 0, 0, -1),
    ('flint::sgd_step', 1, 1001.0, 2400.0, [], [], 0, 0, -1),
    ('flint::sgd_step', 1, 1002.0, 2300.0, [], [], 0, 0, -1),
    ('load', 1, 3000.0, 1203000.0, [], [], 0, 3 * 1024 * 1024, -1),
    ('flint::cast', 2, 5.0, 17.5, [[3], [3]], [], 0, 12, -1),
    ('a_very_long_event_name_that_goes_past_the_name_column_of_the_table', 2, 20.0, 21.0, [], [], 0, -2048, -1),
]


def make_events(specs):
    events = []
    for i, (name, thread, start, end, shapes, stack, scope, mem, seq) in enumerate(specs):
        e = FunctionEvent(i, name, thread, start, end, fwd_thread=thread if scope == 1 else None, input_shapes=shapes,
                          stack=stack, scope=scope, cpu_memory_usage=mem, sequence_nr=seq, trace_name=name)
        events.append(e)
    lst = EventList(events, use_cuda=False, profile_memory=True)
    lst._build_tree()
    return lst


def units(text):
    return re.sub(r' (b|Kb|Mb|Gb)( |$)', lambda m: ' ' + {'b': 'B', 'Kb': 'KB', 'Mb': 'MB', 'Gb': 'GB'}[m.group(1)] + m.group(2), text, flags=re.M)


events = make_events(SPECS)
out['specs'] = SPECS
out['kept'] = [e.name for e in events]
out['parents'] = [None if e.cpu_parent is None else e.cpu_parent.id for e in events]
out['tables'] = {}
out['tables']['events'] = units(events.table())
out['tables']['events_sorted'] = units(events.table(sort_by='self_cpu_time_total', row_limit=6))
out['tables']['top_level'] = units(events.table(top_level_events_only=True, header='TOP'))
avg = events.key_averages()
out['tables']['averages'] = units(avg.table(sort_by='cpu_time_total'))
out['tables']['averages_count'] = units(avg.table(sort_by='count', row_limit=3))
out['tables']['averages_memory'] = units(avg.table(sort_by='self_cpu_memory_usage', max_name_column_width=30))
out['tables']['by_shape'] = units(events.key_averages(group_by_input_shapes=True).table(sort_by='cpu_time_total', max_shapes_column_width=20))
out['tables']['by_stack'] = units(events.key_averages(group_by_stack_n=1).table(sort_by='cpu_time_total', row_limit=4))
total = events.total_average()
out['total'] = {k: getattr(total, k) for k in ('count', 'cpu_time_total', 'self_cpu_time_total', 'cpu_memory_usage', 'self_cpu_memory_usage')}
out['averages'] = [{'key': e.key, 'count': e.count, 'cpu_time_total': e.cpu_time_total, 'self_cpu_time_total': e.self_cpu_time_total,
                    'cpu_memory_usage': e.cpu_memory_usage, 'self_cpu_memory_usage': e.self_cpu_memory_usage} for e in avg]
with open('tests/fixtures/profiler.json', 'w') as f:
    json.dump(out, f, indent=1)
print('wrote tests/fixtures/profiler.json')
