#!/usr/bin/env python3
"""Generates tests/fixtures/state-dict-extensions.json and tests/fixtures/state-dict-extensions.pt:
PyTorch 1.13's state-dict extension points of nn.Module. Extra state (get_extra_state /
set_extra_state: keys and their order, loading, strict and non-strict reports, the base
class's errors), overridden _save_to_state_dict / _load_from_state_dict (a versioned rename,
error_msgs), the order in which load_state_dict calls pre-hooks, _load_from_state_dict and
post-hooks over a module tree, its unexpected-key rules, _register_state_dict_hook results,
BatchNorm's and InstanceNorm's version handling, spectral_norm's conversion of checkpoints
written before PyTorch 1.1, and Module.type / Module.bfloat16. The .pt file is a checkpoint
with `_extra_state` entries (a tensor and a dict of plain values) for flint's torch.load.

The module classes here have twins in tests/state-dict-extensions.test.ts.

Run: /usr/bin/python3 scripts/make_state_dict_extension_fixtures.py
"""
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import err, ser  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'fixtures')
D = torch.float64
out = {}


def sd_json(sd):
    """A state dict as {key: tensor or plain value}, in order, with its _metadata."""
    entries = [[k, ser(v) if isinstance(v, torch.Tensor) else plain(v)] for k, v in sd.items()]
    md = getattr(sd, '_metadata', None)
    return {'entries': entries, 'metadata': None if md is None else {k: dict(v) for k, v in md.items()}}


def plain(v):
    if isinstance(v, torch.Tensor):
        return {'tensor': ser(v)}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def load_report(module, sd, strict):
    try:
        r = module.load_state_dict(sd, strict=strict)
        return {'missing': list(r.missing_keys), 'unexpected': list(r.unexpected_keys)}
    except Exception as e:  # noqa: BLE001
        return {'type': type(e).__name__, 'message': str(e)}


def with_metadata(entries, metadata):
    sd = OrderedDict(entries)
    if metadata is not None:
        sd._metadata = OrderedDict((k, dict(v)) for k, v in metadata.items())
    return sd


# ------------------------------------------------------------------------ extra state
class Tracker(nn.Module):
    """Extra state: a dict of plain values and a tensor, around a Linear child and a buffer."""

    def __init__(self):
        super().__init__()
        self.register_buffer('total', torch.zeros(2))
        self.lin = nn.Linear(3, 2)
        self.steps = 0
        self.tag = 'new'
        self.history = torch.zeros(3)

    def get_extra_state(self):
        return {'steps': self.steps, 'tag': self.tag, 'history': self.history, 'sizes': [3, 2], 'rate': 0.25,
                'flag': True, 'none': None}

    def set_extra_state(self, state):
        self.steps = state['steps']
        self.tag = state['tag']
        self.history = state['history']


class TensorState(nn.Module):
    """Extra state that is one tensor."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(2))
        self.codebook = torch.zeros(2, 2)

    def get_extra_state(self):
        return self.codebook

    def set_extra_state(self, state):
        self.codebook = state


class GetOnly(nn.Module):
    """Saves extra state but has no set_extra_state."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def get_extra_state(self):
        return 5


torch.manual_seed(0)
tracker_net = nn.Sequential(Tracker(), TensorState())
tracker_net[0].steps = 7
tracker_net[0].tag = 'trained'
tracker_net[0].history = torch.tensor([1.5, -2.0, 3.25])
tracker_net[1].codebook = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
with torch.no_grad():
    tracker_net[0].total.copy_(torch.tensor([4.0, 5.0]))
    tracker_net[1].scale.copy_(torch.tensor([0.5, 2.0]))
sd = tracker_net.state_dict()
torch.save(sd, os.path.join(OUT, 'state-dict-extensions.pt'))

extra = {'state': sd_json(sd)}
fresh = nn.Sequential(Tracker(), TensorState())
fresh.load_state_dict(torch.load(os.path.join(OUT, 'state-dict-extensions.pt')))
extra['loaded'] = {'steps': fresh[0].steps, 'tag': fresh[0].tag, 'history': ser(fresh[0].history),
                   'codebook': ser(fresh[1].codebook), 'lin_weight': ser(fresh[0].lin.weight)}
no_extra = OrderedDict((k, v) for k, v in sd.items() if not k.endswith('_extra_state'))
extra['missing_strict'] = load_report(nn.Sequential(Tracker(), TensorState()), no_extra, True)
extra['missing_loose'] = load_report(nn.Sequential(Tracker(), TensorState()), no_extra, False)
lin = nn.Linear(2, 2)
lin_sd = OrderedDict(lin.state_dict())
lin_sd['_extra_state'] = 3
extra['unexpected_strict'] = load_report(nn.Linear(2, 2), lin_sd, True)
extra['unexpected_loose'] = load_report(nn.Linear(2, 2), lin_sd, False)
g = GetOnly()
extra['get_only_keys'] = list(g.state_dict().keys())
extra['get_only_load'] = load_report(GetOnly(), g.state_dict(), True)
extra['base_get'] = err(lambda: nn.Module().get_extra_state())
extra['base_set'] = err(lambda: nn.Module().set_extra_state(1))
out['extra'] = extra


# ------------------------------------------------------------------------ overrides
class Renamed(nn.Module):
    """Version 2 renamed `w` to `weight`; loading converts version-1 (and unversioned) checkpoints."""
    _version = 2

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(2))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get('version', None)
        if (version is None or version < 2) and prefix + 'w' in state_dict:
            state_dict[prefix + 'weight'] = state_dict.pop(prefix + 'w')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class Transposed(nn.Module):
    """Saves its weight transposed under another name, and reads it back."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.arange(6.0).reshape(2, 3))
        self.register_buffer('count', torch.tensor(3))

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'weight_t'] = destination.pop(prefix + 'weight').t()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if prefix + 'weight_t' in state_dict:
            state_dict[prefix + 'weight'] = state_dict.pop(prefix + 'weight_t').t()
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class Complains(nn.Module):
    """Adds an error message of its own."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        error_msgs.append('custom check failed at "{}" (version {})'.format(prefix, local_metadata.get('version')))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


ov = {}
two = torch.tensor([1.0, 2.0])
ov['renamed'] = {
    'v1': load_report(Renamed(), with_metadata([('w', two)], {'': {'version': 1}}), True),
    'none': load_report(Renamed(), OrderedDict([('w', two)]), True),
    'v2': load_report(Renamed(), with_metadata([('w', two)], {'': {'version': 2}}), True),
    'nested_v1': load_report(nn.Sequential(nn.Linear(1, 1), Renamed()),
                             with_metadata([('0.weight', torch.ones(1, 1)), ('0.bias', torch.ones(1)), ('1.w', two)],
                                           {'': {'version': 1}, '0': {'version': 1}, '1': {'version': 1}}), True),
}
r = Renamed()
r.load_state_dict(OrderedDict([('w', two)]))
ov['renamed_weight'] = ser(r.weight)
t = nn.Sequential(Transposed())
tsd = t.state_dict()
ov['transposed'] = {'state': sd_json(tsd)}
t2 = nn.Sequential(Transposed())
with torch.no_grad():
    t2[0].weight.zero_()
ov['transposed']['load'] = load_report(t2, tsd, True)
ov['transposed']['weight_after'] = ser(t2[0].weight)
ov['complains'] = load_report(nn.Sequential(Complains(), nn.Linear(1, 1)),
                              with_metadata([('0.bias', torch.ones(1)), ('1.weight', torch.ones(1, 1)), ('zzz', torch.ones(1))],
                                            {'0': {'version': 1}}), True)
ov['complains_loose'] = load_report(nn.Sequential(Complains()), OrderedDict([('0.bias', torch.ones(1))]), False)
out['overrides'] = ov


# ------------------------------------------------------------------------ walk semantics
class Node(nn.Module):
    def __init__(self, log, name, children=()):
        super().__init__()
        self.log = log
        self.name = name
        self.p = nn.Parameter(torch.zeros(1))
        for i, c in enumerate(children):
            self.add_module('c%d' % i, c)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        self.log.append('load:%s:%s:%s' % (prefix, sorted(state_dict.keys()), local_metadata.get('version')))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


log = []
a1 = Node(log, 'a1')
a = Node(log, 'a', [a1])
b = Node(log, 'b')
root = Node(log, 'root', [a, b])


def pre_plain(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    log.append('pre:%s:%s:%d:%d' % (prefix, strict, len(missing_keys), len(unexpected_keys)))


def pre_module(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    log.append('preM:%s:%s' % (module.name, prefix))


def post(module, keys):
    log.append('post:%s:%s:%s' % (module.name, list(keys.missing_keys), list(keys.unexpected_keys)))


for m in (root, a, a1, b):
    m._register_load_state_dict_pre_hook(pre_plain)
    m._register_load_state_dict_pre_hook(pre_module, with_module=True)
    m.register_load_state_dict_post_hook(post)
walk_sd = with_metadata(
    [('c1.p', torch.ones(1)), ('c0.c0.extra', torch.ones(1)), ('zzz', torch.ones(1)), ('p', torch.ones(1)),
     ('c0.c0.p.sub', torch.ones(1)), ('c5.x', torch.ones(1))],
    {'': {'version': 1}, 'c0': {'version': 3}})
walk = {'report': load_report(root, walk_sd, False), 'log': list(log)}
log.clear()
walk['strict'] = load_report(root, walk_sd, True)


class WithNone(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module('gone', None)
        self.register_buffer('scalar', torch.tensor(0.0))
        self.register_parameter('nothing', None)


walk['none_child'] = load_report(WithNone(), OrderedDict([('gone.weight', torch.ones(1)), ('scalar', torch.tensor([5.0])),
                                                          ('nothing', torch.ones(1))]), True)
w = WithNone()
w.load_state_dict(OrderedDict([('scalar', torch.tensor([5.0]))]))
walk['scalar_after'] = ser(w.scalar)
walk['non_tensor'] = {kind: load_report(nn.Linear(1, 1), OrderedDict([('weight', value), ('bias', torch.zeros(1))]), True)
                      for kind, value in [('int', 3), ('float', 2.5), ('str', 'w'), ('none', None), ('list', [1]),
                                          ('dict', {'a': 1}), ('bool', True)]}
walk['size_mismatch'] = load_report(nn.Linear(2, 1), OrderedDict([('weight', torch.ones(1, 3)), ('bias', torch.ones(1))]),
                                    True)
out['walk'] = walk


# ------------------------------------------------------------------------ state_dict hooks
sh = {}
net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
net[0]._register_state_dict_hook(lambda m, d, prefix, md: OrderedDict([(prefix + 'only', torch.zeros(1))]))


def drop_bias(m, d, prefix, md):
    del d[prefix + 'bias']
    md['note'] = 'dropped'


net[1]._register_state_dict_hook(drop_bias)
s = net.state_dict()
sh['child_hooks'] = {'keys': list(s.keys()), 'metadata': {k: dict(v) for k, v in s._metadata.items()}}
net._register_state_dict_hook(lambda m, d, prefix, md: OrderedDict([(k, v) for k, v in d.items() if k.endswith('weight')]))
s = net.state_dict()
sh['root_hook'] = {'keys': list(s.keys()), 'has_metadata': hasattr(s, '_metadata')}
s = nn.Sequential(nn.Linear(1, 1)).state_dict(prefix='model.')
sh['prefix_metadata'] = list(s._metadata.keys())
s = nn.Sequential(nn.Linear(1, 1)).state_dict(prefix='x')
sh['undotted_prefix'] = {'keys': list(s.keys()), 'metadata': list(s._metadata.keys())}
out['state_dict_hooks'] = sh


# ------------------------------------------------------------------------ norms' versions
nv = {}
bn_entries = [('weight', torch.tensor([1.0, 2.0])), ('bias', torch.tensor([0.5, 0.0])),
              ('running_mean', torch.tensor([0.1, 0.2])), ('running_var', torch.tensor([1.5, 2.5]))]
for label, metadata in [('v1', {'': {'version': 1}}), ('none', None), ('v2', {'': {'version': 2}})]:
    bn = nn.BatchNorm1d(2)
    with torch.no_grad():
        bn.num_batches_tracked.fill_(9)
    nv['bn_' + label] = {'report': load_report(bn, with_metadata(bn_entries, metadata), True),
                         'num_batches_tracked': ser(bn.num_batches_tracked), 'running_var': ser(bn.running_var)}
seq = nn.Sequential(nn.BatchNorm2d(2))
nv['bn_nested_v1'] = load_report(seq, with_metadata([('0.' + k, v) for k, v in bn_entries],
                                                    {'': {'version': 1}, '0': {'version': 1}}), True)
no_stats = nn.BatchNorm1d(2, track_running_stats=False)
nv['bn_untracked_v1'] = load_report(no_stats, with_metadata(bn_entries[:2], {'': {'version': 1}}), True)
inorm_entries = [('running_mean', torch.zeros(3)), ('running_var', torch.ones(3))]
nv['in_none'] = load_report(nn.InstanceNorm1d(3), OrderedDict(inorm_entries), True)
nv['in_v1'] = load_report(nn.InstanceNorm1d(3), with_metadata(inorm_entries, {'': {'version': 1}}), True)
nv['in_none_mean_only'] = load_report(nn.InstanceNorm2d(3), OrderedDict(inorm_entries[:1]), False)
out['norm_versions'] = nv


# ------------------------------------------------------------------------ spectral_norm before 1.1
def old_format(make, x_shape, seed, steps=3):
    """A spectral-normed module after a few training forwards, its state dict as 1.0 wrote it
    (weight_orig, weight, weight_u; no weight_v, no metadata version), and what 1.13 loads."""
    torch.manual_seed(seed)
    m = spectral_norm(make())
    x = torch.randn(*x_shape, dtype=D)
    for _ in range(steps):
        m(x)
    sd = m.state_dict()
    entries = [(k, v.clone()) for k, v in sd.items() if not k.endswith('_v')]
    entries.insert(1, ('weight', m.weight.detach().clone()))
    rec = {'entries': [[k, ser(v)] for k, v in entries], 'x': ser(x)}
    for label, metadata in [('none', None), ('module_only', {'': {'version': 1}}),
                            ('v0', {'': {'version': 1, 'spectral_norm': {'weight.version': 0}}})]:
        torch.manual_seed(seed + 1)
        fresh = spectral_norm(make())
        rec[label] = {'report': load_report(fresh, with_metadata(entries, metadata), True)}
        if 'missing' in rec[label]['report']:
            fresh.eval()
            rec[label]['weight_v'] = ser(fresh.weight_v)
            rec[label]['weight_u'] = ser(fresh.weight_u)
            rec[label]['y_eval'] = ser(fresh(x))
            rec[label]['state_keys'] = list(fresh.state_dict().keys())
    return rec


sn = {
    'linear': old_format(lambda: nn.Linear(4, 3, dtype=D), (2, 4), 11),
    'conv': old_format(lambda: nn.Conv2d(2, 3, 2, dtype=D), (1, 2, 4, 4), 12),
    'conv_t': old_format(lambda: nn.ConvTranspose2d(3, 2, 2, dtype=D), (1, 3, 3, 3), 13),
}
torch.manual_seed(14)
m = spectral_norm(nn.Linear(3, 2, dtype=D))
sd = m.state_dict()
partial = [(k, v) for k, v in sd.items() if k in ('weight_orig', 'weight_u', 'bias')]
sn['missing'] = {'none': load_report(spectral_norm(nn.Linear(3, 2, dtype=D)), OrderedDict(partial), True),
                 'v0': load_report(spectral_norm(nn.Linear(3, 2, dtype=D)),
                                   with_metadata(list(sd.items()), {'': {'version': 1, 'spectral_norm': {'weight.version': 0}}}),
                                   True)}
fresh = spectral_norm(nn.Linear(3, 2, dtype=D))
sn['new_format_no_metadata'] = load_report(fresh, OrderedDict(sd.items()), True)
sn['new_format_weight_v'] = ser(fresh.weight_v)
out['spectral_norm'] = sn


# ------------------------------------------------------------------------ type / bfloat16
ty = {}
bn = nn.BatchNorm1d(2)
bn.bfloat16()
ty['bfloat16'] = {k: str(v.dtype).replace('torch.', '') for k, v in bn.state_dict().items()}
bn = nn.BatchNorm1d(2)
bn.type(torch.float64)
ty['type_float64'] = {k: str(v.dtype).replace('torch.', '') for k, v in bn.state_dict().items()}
bn = nn.BatchNorm1d(2)
bn.type('torch.HalfTensor')
ty['type_legacy'] = {k: str(v.dtype).replace('torch.', '') for k, v in bn.state_dict().items()}
bn = nn.BatchNorm1d(2)
bn.requires_grad_(False)
bn.type(torch.int32)
ty['type_int_frozen'] = {k: str(v.dtype).replace('torch.', '') for k, v in bn.state_dict().items()}
ty['type_int_errors'] = err(lambda: nn.Linear(2, 2).type(torch.int32))
ty['type_bad_string'] = err(lambda: nn.Linear(2, 2).type('float64'))
ty['type_bad_type'] = err(lambda: nn.Linear(2, 2).type(3))
ty['type_no_tensors'] = str(type(nn.ReLU().type('nonsense')).__name__)
lin = nn.Linear(2, 2)
lin.weight.grad = torch.ones(2, 2)
lin.type(torch.float64)
ty['grad_dtype'] = str(lin.weight.grad.dtype).replace('torch.', '')
out['type'] = ty

with open(os.path.join(OUT, 'state-dict-extensions.json'), 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
print('wrote', os.path.join(OUT, 'state-dict-extensions.json'), 'and state-dict-extensions.pt')
