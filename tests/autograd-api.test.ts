// tensor.backward's PyTorch signature (gradient, { retainGraph, createGraph, inputs }) or an
// options object alone, torch.autograd.backward and torch.autograd.grad: values against
// PyTorch 1.13 (tests/fixtures/grads.json, area autograd_api) and PyTorch's error messages.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';
import { runCases, valuesOf, type Op } from './helpers/reference.js';

/** The input as a leaf that requires grad (the forward-only fixture runs pass plain tensors). */
const leafOf = (a: Tensor): Tensor => (a.requiresGrad ? a : a.detach().requiresGrad_());
const f32 = (values: number[], requiresGrad = true) => torch.tensor(values, { dtype: torch.float32, requiresGrad });

/** d f(x) / dx with createGraph, so that it can be differentiated again (x made a leaf if needed). */
function firstGrad(f: (x: Tensor) => Tensor, a: Tensor): Tensor {
  const x = leafOf(a);
  const [g] = torch.autograd.grad(f(x), x, { createGraph: true });
  return g!;
}

const table: Record<string, Op> = {
  second_derivative_create_graph: ([a]) => firstGrad((x) => x.pow(3).sum(), a),
  second_derivative_norm: ([a]) => firstGrad((x) => x.norm(), a),
  second_derivative_std: ([a]) => firstGrad((x) => x.std(), a),
  second_derivative_tanh_float64: ([a]) => firstGrad((x) => x.tanh().sum(), a),
  backward_inputs_nonleaf: ([a]) => {
    const x = leafOf(a);
    const z = x.mul(3);
    z.mul(z).sum().backward({ inputs: [z] });
    expect(x.grad).toBeNull();
    return z.grad!;
  },
  backward_create_graph_accumulate: ([a]) => {
    const x = leafOf(a);
    x.pow(3).sum().backward({ createGraph: true });
    expect(x.grad!.gradFn).not.toBeNull();
    x.grad!.sum().backward();
    return x.grad!.detach();
  },
  grad_nonleaf_and_leaf: ([a]) => {
    const x = leafOf(a);
    const z = x.mul(3);
    const [gz, gx] = torch.autograd.grad(z.mul(z).sum(), [z, x]);
    expect(x.grad).toBeNull();
    return torch.cat([gz!, gx!]);
  },
  grad_two_outputs: ([a]) => {
    const x = leafOf(a);
    const w = torch.zeros(x.shape[0]);
    w.indexPut_([0], 1);
    const [g] = torch.autograd.grad([x.mul(2), x.mul(x).mul(3)], x, [torch.onesLike(x), w]);
    return g!;
  },
  autograd_backward_list: ([a]) => {
    const x = leafOf(a);
    torch.autograd.backward([x.mul(2), x.mul(x).sum()], [torch.onesLike(x), null]);
    return x.grad!;
  },
};

describe('autograd API values vs PyTorch', () => {
  // the gradients here are second derivatives, reached through createGraph
  runCases('autograd_api', table, { file: 'grads.json', gradcheck: false });

  it('second derivatives through createGraph match finite differences of the first (float64)', () => {
    const x = torch.tensor([0.3, -1.2, 2.0], { dtype: torch.float64, requiresGrad: true });
    gradcheck((y) => firstGrad((v) => v.tanh().mul(v).sum(), y), [x]);
    gradcheck((y) => firstGrad((v) => v.norm(3), y), [x]);
    gradcheck((y) => firstGrad((v) => v.norm(Infinity), y), [x]);
    gradcheck((y) => firstGrad((v) => v.std(), y), [x]);
    gradcheck((y) => firstGrad((v) => v.var(0, { correction: 0 }), y), [x]);
    gradcheck((y) => firstGrad((v) => v.pow(3).div(v.exp()).sum(), y), [x]);
    gradcheck((y) => firstGrad((v) => torch.maximum(v, v.mul(-0.5)).sigmoid().sum(), y), [x]);
    gradcheck((y) => firstGrad((v) => v.prod(), y), [x]);
    gradcheck((y) => firstGrad((v) => v.clamp(-1, 1).mul(v).sum(), y), [x]);
  });
});

describe('tensor.backward call forms', () => {
  it('backward({ retainGraph: true }) keeps the graph for a second backward (the README form)', () => {
    const x = f32([1, 2]);
    const y = x.mul(x).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(valuesOf(x.grad!)).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  it('backward(gradient), backward(gradient, options), backward(null, options), backward(undefined, options)', () => {
    const x = f32([1, 2]);
    const y = x.mul(3);
    y.backward(f32([1, 2], false), { retainGraph: true });
    expect(valuesOf(x.grad!)).toEqual([3, 6]);
    const s = x.mul(2).sum();
    s.backward(null, { retainGraph: true });
    s.backward(undefined, {});
    expect(valuesOf(x.grad!)).toEqual([7, 10]);
  });

  it('an output gradient of another dtype is cast to the output dtype, as PyTorch does', () => {
    const x = f32([1, 2]);
    x.mul(2).backward(torch.tensor([1, 2]));
    expect(x.grad!.dtype).toBe(torch.float32);
    expect(valuesOf(x.grad!)).toEqual([2, 4]);
  });

  it('inputs: only the listed leaves get .grad; a non-leaf listed gets .grad too', () => {
    const x = f32([1, 2]);
    const w = f32([3, 4]);
    const z = x.mul(w);
    z.sum().backward({ inputs: [w] });
    expect(x.grad).toBeNull();
    expect(valuesOf(w.grad!)).toEqual([1, 2]);
    const u = f32([5, 6]);
    x.mul(2).sum().backward({ inputs: u }); // PyTorch: no error, u.grad stays None
    expect(u.grad).toBeNull();
  });

  it('unknown option keys name the key (and the camelCase spelling of a PyTorch keyword)', () => {
    const y = f32([1]).mul(2).sum();
    const call = (o: object) => () => y.backward(o as torch.BackwardOptions);
    expect(call({ retain_graph: true })).toThrow(
      "backward() got an unexpected option 'retain_graph'; expected one of retainGraph, createGraph, inputs (did you mean 'retainGraph'?)",
    );
    expect(call({ retainGrph: true })).toThrow(/unexpected option 'retainGrph'/);
    expect(call({ retainGraph: 'yes' })).toThrow("backward(): option 'retainGraph' must be a boolean, but got string");
  });

  it('rejects a number gradient, two options objects, and empty or non-grad inputs', () => {
    const x = f32([1]);
    const y = x.mul(2).sum();
    expect(() => y.backward(2 as unknown as Tensor)).toThrow(
      'backward(): gradient must be a Tensor, null or an options object, but got number',
    );
    expect(() => y.backward({}, {})).toThrow(/second options object/);
    expect(() => y.backward({ inputs: [] })).toThrow("'inputs' argument to backward() cannot be empty.");
    expect(() => y.backward({ inputs: [torch.ones(1)] })).toThrow("can't retain_grad on Tensor that has requires_grad=False");
  });

  it('PyTorch\'s messages for shape mismatch, implicit gradient of a non-scalar, and no grad', () => {
    const x = f32([1, 2]);
    expect(() => x.mul(2).backward()).toThrow('grad can be implicitly created only for scalar outputs');
    expect(() => x.sum().backward(f32([1], false))).toThrow(
      'Mismatch in shape: grad_output[0] has a shape of torch.Size([1]) and output[0] has a shape of torch.Size([]).',
    );
    expect(() => torch.ones(2).sum().backward()).toThrow('element 0 of tensors does not require grad and does not have a grad_fn');
  });

  it('createGraph refuses a backward that records no graph instead of dropping it', () => {
    const x = f32([1, 2, 3, 4]);
    // (softmax's and cat's backwards record under createGraph; diagonal's does not yet)
    const d = x.reshape([2, 2]).diagonal();
    expect(() => d.mul(d).sum().backward({ createGraph: true })).toThrow(
      /cannot differentiate the backward of DiagonalBackward0 \(createGraph: true\)/,
    );
  });
});

describe('torch.autograd.grad and torch.autograd.backward', () => {
  it('grad returns the gradients and leaves .grad alone', () => {
    const x = f32([1, 2]);
    const [g] = torch.autograd.grad(x.mul(x).sum(), x);
    expect(valuesOf(g!)).toEqual([2, 4]);
    expect(g!.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  it('grad of an output with respect to itself is the output gradient', () => {
    const x = f32([1, 2]);
    const y = x.mul(3).sum();
    expect(valuesOf(torch.autograd.grad(y, y)[0]!)).toEqual([1]);
  });

  it('a retained non-leaf still gets its .grad under grad(), as in PyTorch', () => {
    const x = f32([1, 2]);
    const z = x.mul(3);
    z.retainGrad();
    torch.autograd.grad(z.mul(z).sum(), x);
    expect(valuesOf(z.grad!)).toEqual([6, 12]);
  });

  it('the graph is freed unless retainGraph; retainGraph allows grad twice', () => {
    const x = f32([1, 2]);
    const y = x.pow(3).sum();
    torch.autograd.grad(y, x, { retainGraph: true });
    torch.autograd.grad(y, x);
    expect(() => torch.autograd.grad(y, x)).toThrow(/Trying to backward through the graph a second time/);
  });

  it('unused inputs throw unless allowUnused, which returns null', () => {
    const x = f32([1, 2]);
    const u = f32([3]);
    expect(() => torch.autograd.grad(x.sum(), [x, u])).toThrow(
      'One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.',
    );
    const [gx, gu] = torch.autograd.grad(x.sum(), [x, u], { allowUnused: true });
    expect(valuesOf(gx!)).toEqual([1, 1]);
    expect(gu).toBeNull();
  });

  it('PyTorch\'s messages for bad arguments', () => {
    const x = f32([1, 2]);
    expect(() => torch.autograd.grad(x.sum(), [])).toThrow('grad requires non-empty inputs.');
    expect(() => torch.autograd.grad(x.sum(), torch.ones(1))).toThrow('One of the differentiated Tensors does not require grad');
    expect(() => torch.autograd.grad(x.mul(2), x)).toThrow('grad can be implicitly created only for scalar outputs');
    expect(() => torch.autograd.grad([x.sum(), x.sum()], x, [f32([1], false).sum()])).toThrow('got 2 tensors and 1 gradients');
    expect(() => torch.autograd.grad(x.sum(), x, { allow_unused: true } as torch.GradOptions)).toThrow(
      "grad() got an unexpected option 'allow_unused'; expected one of retainGraph, createGraph, allowUnused (did you mean 'allowUnused'?)",
    );
    expect(() => torch.autograd.backward([x.sum()], { inputs: [] })).toThrow("'inputs' argument to backward() cannot be empty.");
  });
});

describe('backward inputs: bookkeeping', () => {
  it('a non-leaf listed twice, or also retaining its grad, gets its gradient once', () => {
    const x = f32([1, 2]);
    const z = x.mul(3);
    z.retainGrad();
    z.mul(z).sum().backward({ inputs: [z, z] });
    expect(valuesOf(z.grad!)).toEqual([6, 12]);
    expect(x.grad).toBeNull();
  });

  it('only the part of the graph that leads to the inputs runs (the rest keeps its saved tensors)', () => {
    const x = f32([1, 2]);
    const w = f32([3, 4]);
    const hidden = x.exp();
    const y = hidden.mul(w).sum();
    y.backward({ inputs: [w] });
    expect(valuesOf(w.grad!).map((v) => Number(v.toFixed(4)))).toEqual([2.7183, 7.3891]);
    // ExpBackward0 did not run, so a second backward can still go through it to x.
    hidden.sum().backward();
    expect(valuesOf(x.grad!).map((v) => Number(v.toFixed(4)))).toEqual([2.7183, 7.3891]);
  });
});

describe('torch.autograd grad-mode switches', () => {
  it('are the torch-level ones, and switch recording off and on', () => {
    expect(torch.autograd.noGrad).toBe(torch.noGrad);
    expect(torch.autograd.enableGrad).toBe(torch.enableGrad);
    expect(torch.autograd.setGradEnabled).toBe(torch.setGradEnabled);
    expect(torch.autograd.inferenceMode).toBe(torch.inferenceMode);
    const x = torch.ones(2).requiresGrad_();
    expect(torch.autograd.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(torch.autograd.noGrad(() => torch.autograd.enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
  });
});
