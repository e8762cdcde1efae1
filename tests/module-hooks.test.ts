/**
 * nn.Module hooks: full backward hooks and pre-hooks (module-level grad_input and
 * grad_output, as PyTorch's BackwardHook), forward hooks with kwargs / prepend /
 * alwaysCall, state-dict hooks and the removeDuplicate option. Values for the backward
 * hooks come from tests/fixtures/autograd.json, written by PyTorch 1.13
 * (scripts/make_autograd_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const nn = torch.nn;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const PT = JSON.parse(readFileSync(new URL('./fixtures/autograd.json', import.meta.url), 'utf8')).moduleBackwardHooks as any;

const values = (t: Tensor | null | undefined): number[] => Array.from(t!.contiguous().dataSync() as Float64Array, Number);
const f64 = (data: number[], ...shape: number[]): Tensor => torch.tensor(data, { dtype: torch.float64 }).reshape(shape);
function close(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
}

function layer(): InstanceType<typeof nn.Linear> {
  const lin = new nn.Linear(3, 2).double();
  torch.noGrad(() => {
    lin.weight.copy_(f64(PT.weight, 2, 3));
    lin.bias!.copy_(f64(PT.bias, 2));
  });
  return lin;
}

describe('registerFullBackwardHook / registerFullBackwardPreHook', () => {
  it('fire after other modules\' hooks were removed, even twice (module calls skip the hook lookup only while none exist)', () => {
    // First in this file (each file runs in its own process): no backward hook exists yet.
    const a = new nn.Linear(3, 2);
    const b = new nn.Linear(3, 2);
    const first = a.registerFullBackwardHook(() => undefined);
    first.remove();
    first.remove();
    let fired = 0;
    const pre = b.registerFullBackwardPreHook(() => {
      fired++;
    });
    b(torch.ones(1, 3)).sum().backward();
    expect(fired).toBe(1);
    const other = a.registerFullBackwardHook(() => undefined);
    other.remove();
    b(torch.ones(1, 3)).sum().backward();
    expect(fired).toBe(2);
    pre.remove();
    b(torch.ones(1, 3)).sum().backward();
    expect(fired).toBe(2);
  });

  it('sees grad_input and grad_output as PyTorch, and a returned grad_input replaces it', () => {
    const lin = layer();
    const seen: [(Tensor | null)[], (Tensor | null)[]][] = [];
    lin.registerFullBackwardHook((_m, gin, gout) => {
      seen.push([gin, gout]);
      return [gin[0]!.mul(2)];
    });
    const x = f64(PT.x, 4, 3).requiresGrad_();
    const y = lin(x);
    expect(y.gradFn!.name).toBe(PT.gradFn);
    y.mul(f64(PT.w, 4, 2)).sum().backward();
    expect(seen.length).toBe(1);
    close(values(seen[0][0][0]), PT.gradInput[0]);
    close(values(seen[0][1][0]), PT.gradOutput[0]);
    close(values(x.grad), PT.xGrad);
    close(values(lin.weight.grad), PT.weightGrad);
  });

  it('with no input that requires grad the hook runs from the output side with grad_input [null]', () => {
    const lin = layer();
    const seen: [(Tensor | null)[], (Tensor | null)[]][] = [];
    lin.registerFullBackwardHook((_m, gin, gout) => void seen.push([gin, gout]));
    lin(f64(PT.x, 4, 3)).mul(f64(PT.w, 4, 2)).sum().backward();
    expect(seen[0][0]).toEqual(PT.noInputGrad.gradInput);
    close(values(seen[0][1][0]), PT.noInputGrad.gradOutput[0]);
    close(values(lin.weight.grad), PT.noInputGrad.weightGrad);
  });

  it('a pre-hook replaces grad_output before the module backpropagates; remove() and validation', () => {
    const lin = layer();
    const x = f64(PT.x, 4, 3).requiresGrad_();
    const order: string[] = [];
    const pre = lin.registerFullBackwardPreHook((_m, gout) => {
      order.push('pre');
      return [gout[0]!.mul(0.5)];
    });
    const gouts: number[][] = [];
    lin.registerFullBackwardHook((_m, _gin, gout) => {
      order.push('full');
      gouts.push(values(gout[0]));
    });
    lin(x).mul(f64(PT.w, 4, 2)).sum().backward();
    expect(order).toEqual(['pre', 'full']);
    close(gouts[0], PT.gradOutput[0].map((v: number) => v * 0.5));
    close(values(x.grad), PT.xGrad.map((v: number) => v / 4)); // PT.xGrad had grad_input doubled
    close(values(lin.weight.grad), PT.weightGrad.map((v: number) => v * 0.5));
    pre.remove();
    x.grad = null;
    lin(x).mul(f64(PT.w, 4, 2)).sum().backward();
    close(values(x.grad), PT.xGrad.map((v: number) => v / 2));
    close(gouts[1], PT.gradOutput[0]);
    lin.registerFullBackwardHook(() => [null, null]);
    expect(() => lin(x).sum().backward()).toThrow('Backward hook returned an invalid number of grad_input, got 2, but expected 1');
  });

  it('hooks on a submodule of a Sequential see that submodule’s gradients', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1)).double();
    const x = torch.randn([5, 3], { dtype: torch.float64 });
    let hidden: Tensor | null = null;
    (net.at(1) as torch.nn.Module).registerFullBackwardHook((_m, _gin, gout) => void (hidden = gout[0]));
    const h = net.at(1)(net.at(0)(x)) as Tensor;
    h.retainGrad();
    net.at(2)(h).sum().backward();
    close(values(hidden), values(h.grad));
  });
});

describe('forward hooks with options', () => {
  class Scale extends nn.Module {
    override forward(x: Tensor, options: { factor?: number } = {}): Tensor {
      return x.mul(options.factor ?? 1);
    }
  }

  it('withKwargs: pre-hooks get and may replace (args, kwargs); hooks get kwargs and output', () => {
    const m = new Scale();
    m.registerForwardPreHook((_m, args, kwargs) => [args, { ...kwargs, factor: (kwargs.factor as number) * 10 }], { withKwargs: true });
    const seen: unknown[] = [];
    m.registerForwardHook((_m, args, kwargs, out) => void seen.push(args.length, kwargs, values(out)), { withKwargs: true });
    const y = m(torch.tensor([1, 2], { dtype: torch.float64 }), { factor: 2 });
    expect(values(y)).toEqual([20, 40]);
    expect(seen).toEqual([1, { factor: 20 }, [20, 40]]);
    const bad = new Scale();
    bad.registerForwardPreHook(() => 3, { withKwargs: true });
    expect(() => bad(torch.ones(1))).toThrow('forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got 3.');
  });

  it('prepend runs a hook first; alwaysCall runs it when forward throws', () => {
    const m = new Scale();
    const order: string[] = [];
    m.registerForwardHook(() => void order.push('a'));
    m.registerForwardHook(() => void order.push('b'), { prepend: true });
    m(torch.ones(1));
    expect(order).toEqual(['b', 'a']);
    class Broken extends nn.Module {
      override forward(): Tensor {
        throw new Error('boom');
      }
    }
    const broken = new Broken();
    const calls: string[] = [];
    broken.registerForwardHook(() => void calls.push('plain'));
    broken.registerForwardHook((_m, _args, out) => void calls.push(`always:${String(out)}`), { alwaysCall: true });
    expect(() => broken()).toThrow('boom');
    expect(calls).toEqual(['always:undefined']);
    expect(() => m.registerForwardHook(() => undefined, { always_call: true } as never)).toThrow(/always_call/);
  });
});

describe('state-dict hooks and removeDuplicate', () => {
  it('registerStateDictPreHook / PostHook run per module with its prefix; the post hook edits in place', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    const calls: string[] = [];
    net.at<torch.nn.Module>(0).registerStateDictPreHook((_m, prefix, keepVars) => void calls.push(`pre:${prefix}:${keepVars}`));
    net.at<torch.nn.Module>(0).registerStateDictPostHook((_m: torch.nn.Module, sd: Record<string, Tensor>, prefix: string) => {
      calls.push(`post:${prefix}`);
      delete sd[`${prefix}bias`];
    });
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '1.weight', '1.bias']);
    expect(calls).toEqual(['pre:0.:false', 'post:0.']);
    net.registerStateDictPostHook(() => ({}) as never);
    expect(() => net.stateDict()).toThrow('state_dict post-hook must return None');
  });

  it('registerLoadStateDictPostHook may clear missing keys before strict mode reports them', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2));
    const sd = net.stateDict();
    delete sd['0.bias'];
    expect(() => net.loadStateDict(sd)).toThrow('Missing key(s) in state_dict: "0.bias"');
    const seen: string[][] = [];
    net.registerLoadStateDictPostHook((_m, keys) => {
      seen.push([...keys.missingKeys]);
      keys.missingKeys.length = 0;
    });
    expect(net.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(seen).toEqual([['0.bias']]);
  });

  it('namedParameters / namedBuffers with removeDuplicate false list a shared module under every name', () => {
    const shared = new nn.Linear(2, 2);
    const net = new nn.Sequential(shared, shared);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(net.namedParameters('', true, false).map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const bn = new nn.Sequential(new nn.BatchNorm1d(2));
    expect(bn.namedBuffers('', true, false).length).toBe(3);
  });
});
