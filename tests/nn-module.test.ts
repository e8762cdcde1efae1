/**
 * nn.Module, Parameter and the containers: registration, traversal, state dicts,
 * modes, dtype moves, hooks and printing, against PyTorch's reprs and messages
 * (tests/fixtures/nn.json).
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { expectClose } from './helpers/reference.js';
import { storagesAfterCollection } from './helpers/memory.js';

const { nn } = torch;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8'));

describe('module reprs match PyTorch', () => {
  const modules: Record<string, () => torch.nn.Module<unknown>> = {
    LayerNorm: () => new nn.LayerNorm(10),
    LayerNorm2: () => new nn.LayerNorm([3, 4], { eps: 1e-6, elementwiseAffine: false }),
    BatchNorm1d: () => new nn.BatchNorm1d(16),
    BatchNorm1d_m: () => new nn.BatchNorm1d(4, { momentum: null, affine: false }),
    Dropout: () => new nn.Dropout(),
    Dropout2: () => new nn.Dropout(0.25, { inplace: true }),
    GELU: () => new nn.GELU(),
    GELU_tanh: () => new nn.GELU({ approximate: 'tanh' }),
    LeakyReLU: () => new nn.LeakyReLU(),
    LeakyReLU2: () => new nn.LeakyReLU(0.2, { inplace: true }),
    ReLU: () => new nn.ReLU(),
    ReLU_inplace: () => new nn.ReLU({ inplace: true }),
    SiLU: () => new nn.SiLU(),
    Sigmoid: () => new nn.Sigmoid(),
    Tanh: () => new nn.Tanh(),
    Softmax: () => new nn.Softmax(1),
    LogSoftmax: () => new nn.LogSoftmax(-1),
    Softmax_none: () => new nn.Softmax(),
    Identity: () => new nn.Identity(),
    Flatten: () => new nn.Flatten(),
    Unflatten: () => new nn.Unflatten(1, [2, 5]),
    Embedding: () => new nn.Embedding(10, 3),
    Embedding_pad: () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
    Linear_nobias: () => new nn.Linear(1, 1, { bias: false }),
    MSELoss: () => new nn.MSELoss(),
    CrossEntropyLoss: () => new nn.CrossEntropyLoss(),
    L1Loss: () => new nn.L1Loss(),
    NLLLoss: () => new nn.NLLLoss(),
    BCEWithLogitsLoss: () => new nn.BCEWithLogitsLoss(),
    ModuleList: () => new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]),
    ModuleDict: () => new nn.ModuleDict({ act: new nn.ReLU(), lin: new nn.Linear(3, 1) }),
    Sequential_named: () => new nn.Sequential({ hidden: new nn.Linear(4, 8), act: new nn.GELU() }),
    Sequential_empty: () => new nn.Sequential(),
  };
  for (const [name, expected] of Object.entries(fixture.reprs as Record<string, string>)) {
    it(name, () => {
      const module = modules[name]();
      expect(String(module)).toBe(expected);
      expect(inspect(module)).toBe(expected);
    });
  }
});

describe('Module', () => {
  class Net extends nn.Module {
    constant = torch.rand(3, 3);
    first = new nn.Linear(3, 4);
    scale = new nn.Parameter(torch.ones(1));
    second = new nn.Linear(4, 2);
    override forward(x: torch.Tensor) {
      return this.second(this.first(x.matmul(this.constant))).mul(this.scale);
    }
  }

  it('is callable, keeps its class, registers fields in assignment order', () => {
    const net = new Net();
    expect(typeof net).toBe('function');
    expect(net).toBeInstanceOf(Net);
    expect(net).toBeInstanceOf(nn.Module);
    expect(net(torch.rand(5, 3)).shape).toEqual([5, 2]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'first.weight', 'first.bias', 'second.weight', 'second.bias']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['first', 'second']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'first', 'second']);
    expect(Object.keys(net.stateDict())).toEqual(['scale', 'first.weight', 'first.bias', 'second.weight', 'second.bias']);
    expect(net.constant).toBeInstanceOf(torch.Tensor);
  });

  it("follows PyTorch's __setattr__ rules", () => {
    const net = new Net();
    expect(() => {
      (net as unknown as { scale: unknown }).scale = torch.ones(1);
    }).toThrow("cannot assign 'torch.FloatTensor' as parameter 'scale' (torch.nn.Parameter or None expected)");
    expect(() => {
      (net as unknown as { first: unknown }).first = 3;
    }).toThrow("cannot assign 'int' as child module 'first' (torch.nn.Module or None expected)");
    net.second = new nn.Linear(4, 7);
    expect(net.namedChildren().map(([n, m]) => [n, String(m)])).toEqual([
      ['first', 'Linear(in_features=3, out_features=4, bias=True)'],
      ['second', 'Linear(in_features=4, out_features=7, bias=True)'],
    ]);
    delete (net as unknown as { second?: unknown }).second;
    expect(net.namedChildren().map(([n]) => n)).toEqual(['first']);
  });

  it('registerParameter / registerBuffer / addModule', () => {
    const m = new nn.Module();
    m.registerParameter('w', new nn.Parameter(torch.zeros(2)));
    m.registerParameter('b', null);
    m.registerBuffer('stat', torch.ones(2));
    m.registerBuffer('scratch', torch.ones(2), { persistent: false });
    m.addModule('block 0', new nn.ReLU());
    expect(m.namedParameters().map(([n]) => n)).toEqual(['w']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['stat', 'scratch']);
    expect(Object.keys(m.stateDict())).toEqual(['w', 'stat']);
    expect(m.getSubmodule('block 0')).toBeInstanceOf(nn.ReLU);
    expect(() => m.registerParameter('x.y', null)).toThrow('parameter name can\'t contain "."');
    expect(() => m.registerParameter('z', torch.zeros(1) as torch.nn.Parameter)).toThrow('torch.nn.Parameter or None required');
    expect(() => m(torch.zeros(1))).toThrow('Module [Module] is missing the required "forward" function');
  });

  it('stateDict is detached and loadStateDict copies in place', () => {
    torch.manualSeed(0);
    const a = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const b = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const sd = a.stateDict();
    expect(sd['0.weight'].requiresGrad).toBe(false);
    const weightObject = b.at(0).weight;
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.at(0).weight).toBe(weightObject);
    expect(b.at(0).weight.tolist()).toEqual(a.at(0).weight.tolist());
    const x = torch.rand(2, 4);
    expect(b(x).tolist()).toEqual(a(x).tolist());
    sd['0.weight'].add_(1); // the state dict shares storage with the parameter, as PyTorch's
    expect(a.at(0).weight.index(0, 0).item()).toBe(sd['0.weight'].index(0, 0).item());
  });

  it("loadStateDict reports every problem in PyTorch's words", () => {
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const bad = { '0.weight': torch.zeros(3, 5), '0.bias': torch.zeros(3), '2.weight': torch.zeros(1, 3), extra: torch.zeros(1) };
    expect(() => net.loadStateDict(bad)).toThrow(fixture.load_error);
    const partial = { '0.bias': torch.zeros(3), extra: torch.zeros(1) };
    expect(net.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: ['0.weight', '2.weight', '2.bias'],
      unexpectedKeys: ['extra'],
    });
    expect(net.at(0).bias!.tolist()).toEqual([0, 0, 0]);
  });

  it('apply visits children first, train/eval toggles Dropout', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Dropout(0.5), new nn.Tanh()));
    const order: string[] = [];
    expect(net.apply((m) => order.push(m.constructor.name))).toBe(net);
    expect(order).toEqual(['Linear', 'Dropout', 'Tanh', 'Sequential', 'Sequential']);
    const x = torch.ones(100, 2);
    const dropout = net.at(1).at(0);
    expect(dropout(x).eq(0).any().itemBool()).toBe(true);
    net.eval();
    expect(dropout.training).toBe(false);
    expect(dropout(x)).toBe(x);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('zeroGrad, requiresGrad_, getParameter', () => {
    const net = new nn.Sequential(new nn.Linear(3, 2));
    net(torch.rand(4, 3)).sum().backward();
    expect(net.at(0).weight.grad).not.toBeNull();
    net.zeroGrad({ setToNone: false });
    expect(net.at(0).weight.grad!.abs().sum().item()).toBe(0);
    net.zeroGrad();
    expect(net.at(0).weight.grad).toBeNull();
    net.requiresGrad_(false);
    expect(net.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(net.getParameter('0.weight')).toBe(net.at(0).weight);
    expect(() => net.getParameter('0.nope')).toThrow('Linear has no attribute `nope`');
    expect(() => net.getSubmodule('3')).toThrow('Sequential has no attribute `3`');
  });

  it('to(float64) converts in place, keeping parameter identity', () => {
    const net = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const w = net.at(0).weight;
    net.double();
    expect(net.at(0).weight).toBe(w);
    expect(w.dtype).toBe(torch.float64);
    expect(net.at(1).running_mean!.dtype).toBe(torch.float64);
    expect(net.at(1).num_batches_tracked!.dtype).toBe(torch.int64);
    expect(net(torch.rand(4, 3, { dtype: torch.float64 })).dtype).toBe(torch.float64);
    net.float();
    expect(w.dtype).toBe(torch.float32);
    expect(() => net.to(torch.int32)).toThrow('nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int32');
  });

  it('forward hooks run around forward and can be removed', () => {
    const layer = new nn.Linear(2, 2);
    const seen: number[][] = [];
    const pre = layer.registerForwardPreHook((_m, args) => [(args[0] as torch.Tensor).mul(0)]);
    const post = layer.registerForwardHook((_m, _args, out) => {
      seen.push((out as torch.Tensor).shape);
    });
    const out = layer(torch.ones(3, 2));
    expect(seen).toEqual([[3, 2]]);
    expect(out.tolist()).toEqual([0, 1, 2].map(() => layer.bias!.tolist()));
    pre.remove();
    post.remove();
    layer(torch.ones(1, 2));
    expect(seen.length).toBe(1);
  });

  it('BatchNorm1d running stats follow PyTorch', () => {
    const bn = new nn.BatchNorm1d(3);
    const [b1, b2] = fixture.batchnorm.inputs.map((t: { data: number[]; shape: number[] }) => torch.tensor(t.data).reshape(t.shape));
    bn(b1);
    bn(b2);
    expectClose(bn.running_mean!, fixture.batchnorm.running_mean, { atol: 1e-6 });
    expectClose(bn.running_var!, fixture.batchnorm.running_var, { atol: 1e-5 });
    expect(bn.num_batches_tracked!.item()).toBe(fixture.batchnorm.num_batches_tracked);
    bn.eval();
    expectClose(bn(b1), fixture.batchnorm.eval_output, { atol: 1e-5 });
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  });
});

describe('Parameter', () => {
  it('is a Tensor with requiresGrad, prints as PyTorch', () => {
    const p = new nn.Parameter(torch.tensor([1.5, 2]));
    expect(p).toBeInstanceOf(nn.Parameter);
    expect(p).toBeInstanceOf(torch.Tensor);
    expect(p.requiresGrad).toBe(true);
    expect(p.grad).toBeNull();
    expect(p.shape).toEqual([2]);
    expect(String(p)).toBe('Parameter containing:\ntensor([1.5000, 2.0000], requires_grad=True)');
    expect(p.data).not.toBeInstanceOf(nn.Parameter);
    expect(p.mul(2)).not.toBeInstanceOf(nn.Parameter);
    expect(new nn.Parameter(torch.zeros(2), false).requiresGrad).toBe(false);
  });

  it('survives tidy()', () => {
    const layer = torch.tidy(() => new nn.Linear(2, 2));
    expect(layer.weight.isDisposed).toBe(false);
    expect(layer(torch.ones(1, 2)).shape).toEqual([1, 2]);
  });
});

describe('containers', () => {
  it('Sequential: at, length, iteration, append, named form', () => {
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(net.length).toBe(2);
    expect(net.at(-1)).toBeInstanceOf(nn.ReLU);
    expect([...net].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU']);
    net.append(new nn.Linear(3, 1));
    expect(net(torch.rand(4, 2)).shape).toEqual([4, 1]);
    expect(() => net.at(3)).toThrow('index 3 is out of range');
    const named = new nn.Sequential({ hidden: new nn.Linear(2, 2), act: new nn.ReLU() });
    expect(named.at(0)).toBe(named.getSubmodule('hidden'));
    expect(named.namedParameters().map(([n]) => n)).toEqual(['hidden.weight', 'hidden.bias']);
  });

  it('ModuleList, ModuleDict, ParameterList, ParameterDict register their members', () => {
    const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
    expect(list.parameters().length).toBe(4);
    expect(list.at(1)).toBeInstanceOf(nn.Linear);
    const dict = new nn.ModuleDict({ a: new nn.Linear(2, 1) });
    dict.set('b', new nn.ReLU());
    expect(dict.keys()).toEqual(['a', 'b']);
    expect(dict.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
    const plist = new nn.ParameterList([torch.zeros(2), new nn.Parameter(torch.ones(3))]);
    expect(plist.at(0)).toBeInstanceOf(nn.Parameter);
    expect(plist.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['0', [2]],
      ['1', [3]],
    ]);
    const pdict = new nn.ParameterDict({ scale: torch.ones(1) });
    expect(pdict.get('scale').requiresGrad).toBe(true);
    expect(String(pdict)).toBe('ParameterDict(  (scale): Parameter containing: [torch.FloatTensor of size 1])');
  });
});

describe('Sequential frees activations between its own layers under noGrad', () => {
  const storages = () => torch.memoryStats().cpu.storages;

  it('frees the intermediates, keeps the input and output, and gives the same values', () => {
    const net = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Flatten(), new nn.Linear(16, 4));
    const x = torch.rand(3, 8);
    const expected = net(x).tolist();
    const before = storagesAfterCollection();
    const out = torch.noGrad(() => net(x));
    expect(storages() - before).toBe(1); // only the output is left
    expect(out.tolist()).toEqual(expected);
    expect(x.isDisposed).toBe(false);
  });

  it('keeps them when a hook or a custom module could hold them', () => {
    class Keeper extends nn.Module {
      seen: torch.Tensor | null = null;
      override forward(t: torch.Tensor) {
        this.seen = t;
        return t.mul(2);
      }
    }
    const keeper = new Keeper();
    const captured: torch.Tensor[] = [];
    const first = new nn.Linear(4, 4);
    first.registerForwardHook((_m, _args, out) => {
      captured.push(out as torch.Tensor);
    });
    const net = new nn.Sequential(first, new nn.ReLU(), keeper, new nn.ReLU());
    torch.noGrad(() => net(torch.rand(2, 4)));
    expect(captured[0].isDisposed).toBe(false);
    expect(keeper.seen!.isDisposed).toBe(false);
    expect(keeper.seen!.shape).toEqual([2, 4]);
  });

  it("keeps them for a subclass of flint's own layer whose forward keeps its input", () => {
    class ReLUProbe extends nn.ReLU {
      seen: torch.Tensor | null = null;
      override forward(t: torch.Tensor) {
        this.seen = t;
        return super.forward(t);
      }
    }
    const probe = new ReLUProbe();
    const net = new nn.Sequential(new nn.Linear(4, 4), probe, new nn.Linear(4, 2));
    torch.noGrad(() => net(torch.rand(2, 4)));
    expect(probe.seen!.isDisposed).toBe(false);
    expect(probe.seen!.shape).toEqual([2, 4]);
    // flint's own subclasses with a forward of their own still let Sequential free
    const own = new nn.Sequential(new nn.Linear(4, 4), new nn.BatchNorm1d(4), new nn.ReLU6(), new nn.Hardswish(), new nn.Linear(4, 2));
    own.eval();
    const x = torch.rand(3, 4);
    const before = storagesAfterCollection();
    const out = torch.noGrad(() => own(x));
    expect(storages() - before).toBe(1);
    expect(out.shape).toEqual([3, 2]);
  });

  it('never frees activations that autograd needs', () => {
    const net = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 1));
    const out = net(torch.rand(2, 4)).sum();
    out.backward();
    expect(net.at(0).weight.grad!.shape).toEqual([4, 4]);
  });
});
