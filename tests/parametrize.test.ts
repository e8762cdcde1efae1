/**
 * nn.utils.weightNorm, parametrizations.weightNorm/spectralNorm and parametrize against
 * PyTorch 1.13 (tests/fixtures/parametrize.json, scripts/make_parametrize_fixtures.py):
 * state-dict keys, values, gradients and the generator draws.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { nn } from 'flint-torch';

const F = JSON.parse(readFileSync(new URL('./fixtures/parametrize.json', import.meta.url), 'utf8'));
type Nested = number | Nested[];
const close = (a: unknown, e: Nested, tol = 1e-5): void => {
  const x = [a as Nested].flat(9) as number[];
  const y = [e].flat(9) as number[];
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y[i]))));
};
const { parametrize, parametrizations } = nn.utils;

function linearWith(inF: number, outF: number, weight: Nested, bias: Nested): torch.nn.Linear {
  const lin = new nn.Linear(inF, outF);
  torch.noGrad(() => {
    lin.weight.copy_(torch.tensor(weight as number[][]));
    lin.bias!.copy_(torch.tensor(bias as number[]));
  });
  return lin;
}

describe('nn.utils.weightNorm (hook form)', () => {
  it("has PyTorch's parameters, values and gradients, and folds back on remove", () => {
    const W = F.weight_norm;
    const lin = nn.utils.weightNorm(linearWith(3, 4, W.weight, W.bias));
    expect(Object.keys(lin.stateDict())).toEqual(W.keys);
    expect([...lin.namedParameters()].map(([n]) => n)).toEqual(W.params);
    const g = (lin as unknown as { weight_g: torch.Tensor }).weight_g;
    const v = (lin as unknown as { weight_v: torch.Tensor }).weight_v;
    close(g.tolist(), W.g);
    const x = torch.linspace(-1, 1, 6).reshape(2, 3);
    const y = lin(x);
    close(y.tolist(), W.y);
    y.pow(2).sum().backward();
    close(g.grad!.tolist(), W.grad_g);
    close(v.grad!.tolist(), W.grad_v);
    torch.noGrad(() => g.mul_(2));
    close(lin(x).tolist(), W.y2);
    nn.utils.removeWeightNorm(lin);
    expect(Object.keys(lin.stateDict())).toEqual(W.removed_keys);
    close(lin.weight.tolist(), W.removed_weight);
    expect(() => nn.utils.removeWeightNorm(lin)).toThrow("weight_norm of 'weight' not found in Linear");
  });

  it('dim null normalizes the whole tensor', () => {
    const W = F.weight_norm_none;
    const lin = nn.utils.weightNorm(linearWith(5, 3, W.weight, [0, 0, 0]), 'weight', null);
    close((lin as unknown as { weight_g: torch.Tensor }).weight_g.tolist(), W.g);
  });
});

describe('parametrizations.spectralNorm', () => {
  it("draws u and v as PyTorch does, runs its power iteration in training, and divides by sigma", () => {
    const S = F.spectral_norm;
    const lin = linearWith(6, 5, S.weight, S.bias);
    torch.manualSeed(3);
    parametrizations.spectralNorm(lin);
    expect(Object.keys(lin.stateDict())).toEqual(S.keys);
    const list = (lin as unknown as { parametrizations: { weight: torch.nn.utils.parametrize.ParametrizationList } }).parametrizations.weight;
    const sn = (list as unknown as { _modules: Map<string, { _u: torch.Tensor; _v: torch.Tensor }> })._modules.get('0')!;
    close(sn._u.tolist(), S.u0);
    close(sn._v.tolist(), S.v0);
    const z = torch.linspace(-1, 2, 12).reshape(2, 6);
    const yTrain = lin(z);
    close(yTrain.tolist(), S.y_train);
    yTrain.sum().backward();
    close((list as unknown as { original: torch.Tensor }).original.grad!.tolist(), S.grad_original);
    close(sn._u.tolist(), S.u1);
    lin.eval();
    close(lin(z).tolist(), S.y_eval);
    close(torch.rand(2).tolist(), S.after);
  });
});

describe('parametrize', () => {
  it('registers, computes on every read, backpropagates to the original, and removes', () => {
    const P = F.symmetric;
    class Symmetric extends nn.Module {
      override forward(X: torch.Tensor): torch.Tensor {
        return X.triu().add(X.triu(1).transpose(0, 1));
      }
    }
    const m = linearWith(3, 3, P.weight, P.bias);
    parametrize.registerParametrization(m, 'weight', new Symmetric());
    expect(parametrize.isParametrized(m, 'weight')).toBe(true);
    expect(Object.keys(m.stateDict())).toEqual(P.keys);
    close(m.weight.tolist(), P.w);
    const y = m(torch.ones(2, 3));
    close(y.tolist(), P.y);
    y.sum().backward();
    close((m as unknown as { parametrizations: { weight: { original: torch.Tensor } } }).parametrizations.weight.original.grad!.tolist(), P.grad);
    parametrize.removeParametrizations(m, 'weight');
    expect(parametrize.isParametrized(m)).toBe(false);
    expect(Object.keys(m.stateDict())).toEqual(P.removed_keys);
    close(m.weight.tolist(), P.removed_weight);
  });

  it('refuses a parametrization that changes the shape, unless unsafe', () => {
    class Rows extends nn.Module {
      override forward(X: torch.Tensor): torch.Tensor {
        return X.narrow(0, 0, 1);
      }
    }
    expect(() => parametrize.registerParametrization(new nn.Linear(3, 3), 'weight', new Rows())).toThrow(
      'Registering a parametrization may not change the shape of the tensor, unless `unsafe` flag is enabled.',
    );
    expect(() => parametrize.registerParametrization(new nn.Linear(3, 3), 'nope', new Rows())).toThrow("has no parameter or buffer with name 'nope'");
  });

  it('parametrizations.weightNorm keeps original0 (g) and original1 (v) and gives the hook form\'s values', () => {
    const W = F.weight_norm;
    const lin = parametrizations.weightNorm(linearWith(3, 4, W.weight, W.bias));
    expect(Object.keys(lin.stateDict())).toEqual(['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']);
    close(lin(torch.linspace(-1, 1, 6).reshape(2, 3)).tolist(), W.y);
    const cachedReads = parametrize.cached(() => [lin.weight, lin.weight]);
    expect(cachedReads[0]).toBe(cachedReads[1]);
    expect(lin.weight).not.toBe(lin.weight);
  });
});
