/**
 * The seed chapter ("deep learning computation") end to end: each example in examples/
 * runs, and prints what the same PyTorch script prints (tests/fixtures/nn.json, written by
 * scripts/make_nn_fixtures.py with the same seeds); plus the chapter's facts, asserted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

const { nn } = torch;
const F = nn.functional;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8')) as {
  chapter: Record<string, string[]>;
  chapter_5_4_mean: number;
};

function runExample(name: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
}

const NUMBER = /-?\d+(?:\.\d*)?(?:e[+-]\d+)?/g;

/**
 * Finds `expected` (a PyTorch repr) in `text` from `from`: the same text around the
 * numbers, and numbers equal up to printing. float32 matmuls may round differently in
 * the last bit (a sum of 256 products that cancels to 7.5e-05 can differ by 3e-08), so
 * printed digits are compared within 1.5e-4, the size of one printed decimal.
 */
function findRepr(text: string, expected: string, from: number): number {
  const parts = expected.split(NUMBER).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(parts.join('(-?\\d+(?:\\.\\d*)?(?:e[+-]\\d+)?)'), 'g');
  const want = expected.match(NUMBER) ?? [];
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const got = m.slice(1);
    if (got.every((g, i) => Math.abs(Number(g) - Number(want[i])) <= 1.5e-4)) return m.index + m[0].length;
    pattern.lastIndex = m.index + 1;
  }
  return -1;
}

describe('examples print what PyTorch prints', () => {
  for (const [name, blocks] of Object.entries(fixture.chapter)) {
    it(`${name}.ts`, () => {
      const stdout = runExample(name);
      let from = 0;
      for (const block of blocks) {
        // Some PyTorch lines pair two reprs with a space; flint's console.log does the same.
        const end = findRepr(stdout, block, from);
        expect(end, `expected, in order:\n${block}\n--- got:\n${stdout.slice(from)}`).toBeGreaterThanOrEqual(0);
        from = end;
      }
    }, 60_000);
  }
});

it('the examples type-check under strict settings (tsconfig.examples.json)', () => {
  const root = new URL('..', import.meta.url).pathname;
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.examples.json'], { cwd: root, encoding: 'utf8' });
}, 120_000);

describe('5.1 layers and blocks', () => {
  it('Sequential output shape and grad_fn', () => {
    const net = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const Y = net(torch.rand(2, 20));
    expect(Y.shape).toEqual([2, 10]);
    expect(Y.gradFn?.name).toBe('AddmmBackward0');
  });

  it('FixedHiddenMLP: the constant is not a parameter, the loop halves until |X|_1 <= 1', () => {
    class FixedHiddenMLP extends nn.Module {
      randWeight = torch.rand(20, 20);
      linear = new nn.Linear(20, 20);
      halvings = 0;
      override forward(X: torch.Tensor) {
        X = this.linear(X);
        X = F.relu(torch.mm(X, this.randWeight).add(1));
        X = this.linear(X);
        while ((X.abs().sum().item() as number) > 1) {
          X.div_(2);
          this.halvings++;
        }
        return X.sum();
      }
    }
    const net = new FixedHiddenMLP();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['linear.weight', 'linear.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['linear.weight', 'linear.bias']);
    const out = net(torch.rand(2, 20));
    expect(net.halvings).toBeGreaterThan(0);
    expect(Math.abs(out.item() as number)).toBeLessThanOrEqual(1);
    out.backward();
    expect(net.linear.weight.grad!.shape).toEqual([20, 20]);
  });

  it('MySequential registers children by index in insertion order', () => {
    class MySequential extends nn.Module {
      constructor(...modules: torch.nn.Module[]) {
        super();
        modules.forEach((m, i) => this.addModule(String(i), m));
      }
      override forward(X: torch.Tensor) {
        for (const block of this.children()) X = block(X);
        return X;
      }
    }
    const net = new MySequential(new nn.Linear(20, 8), new nn.ReLU(), new nn.Linear(8, 3));
    expect(net.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
    expect(net(torch.rand(4, 20)).shape).toEqual([4, 3]);
  });
});

describe('5.2 parameters', () => {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  const X = torch.rand(2, 4);

  it('access by name, grad null before backward', () => {
    expect(net(X).shape).toEqual([2, 1]);
    expect(net.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['0.weight', [8, 4]],
      ['0.bias', [8]],
      ['2.weight', [1, 8]],
      ['2.bias', [1]],
    ]);
    expect(net.at(2).weight.grad).toBeNull();
    expect(net.at(2).bias).toBeInstanceOf(nn.Parameter);
    expect(net.stateDict()['2.bias'].data.tolist()).toEqual(net.at(2).bias!.tolist());
    expect(Object.keys(net.at(2).stateDict())).toEqual(['weight', 'bias']);
  });

  it('constant_ 1 and 42', () => {
    net.apply((m) => {
      if (m instanceof nn.Linear) {
        nn.init.constant_(m.weight, 1);
        nn.init.zeros_(m.bias!);
      }
    });
    expect(net.at(0).weight.data.index(0).tolist()).toEqual([1, 1, 1, 1]);
    expect(net.at(0).bias!.data.index(0).item()).toBe(0);
    net.at<torch.nn.Linear>(2).apply((m) => m instanceof nn.Linear && nn.init.constant_(m.weight, 42));
    expect(net.at(2).weight.data.tolist()).toEqual([[42, 42, 42, 42, 42, 42, 42, 42]]);
  });

  it('nested blocks print as PyTorch (rgnet)', () => {
    const block1 = () => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 4), new nn.ReLU());
    const block2 = () => {
      const s = new nn.Sequential();
      for (let i = 0; i < 4; i++) s.addModule(`block ${i}`, block1());
      return s;
    };
    const rgnet = new nn.Sequential(block2(), new nn.Linear(4, 1));
    const expected = fixture.chapter['5.2-parameters'].find((b) => b.startsWith('Sequential(\n  (0): Sequential(\n    (block 0)'));
    expect(String(rgnet)).toBe(expected);
    expect(rgnet.at(0).at<torch.nn.Sequential>(1).at<torch.nn.Linear>(0).bias!.shape).toEqual([8]);
    expect(rgnet.getSubmodule('0.block 1')).toBe(rgnet.at(0).at(1));
    expect(rgnet.namedParameters()[2][0]).toBe('0.block 0.2.weight');
  });

  it('tied parameters are one object, and their gradient sums over uses (3 + 3 = 6)', () => {
    const shared = new nn.Linear(8, 8);
    const tiedNet = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), shared, new nn.ReLU(), shared, new nn.ReLU(), new nn.Linear(8, 1));
    expect(tiedNet.at(2).weight).toBe(tiedNet.at(4).weight);
    tiedNet.at(2).weight.data.indexPut_([0, 0], 100);
    expect(tiedNet.at(4).weight.data.index(0, 0).item()).toBe(100);
    expect(tiedNet.parameters().length).toBe(6);

    const linear = new nn.Linear(1, 1, { bias: false });
    const twice = new nn.Sequential(linear, linear);
    expect(twice.namedParameters().map(([n]) => n)).toEqual(['0.weight']);
    nn.init.constant_(linear.weight, 3);
    twice(torch.ones(1, 1)).sum().backward();
    expect(linear.weight.grad!.tolist()).toEqual([[6]]);
  });

  it('custom init and direct edits', () => {
    const layer = new nn.Linear(40, 50);
    nn.init.uniform_(layer.weight, -10, 10);
    layer.weight.data.mul_(layer.weight.data.abs().ge(5));
    for (const v of layer.weight.dataSync() as Float32Array) expect(v === 0 || Math.abs(v) >= 5).toBe(true);
    layer.weight.data.add_(1);
    layer.weight.data.indexPut_([0, 0], 42);
    expect(layer.weight.index(0, 0).item()).toBe(42);
  });
});

describe('5.4 custom layers', () => {
  it('CenteredLayer has zero mean', () => {
    class CenteredLayer extends nn.Module {
      override forward(X: torch.Tensor) {
        return X.sub(X.mean());
      }
    }
    expect(new CenteredLayer()(torch.tensor([1, 2, 3, 4, 5], { dtype: torch.float32 })).tolist()).toEqual([-2, -1, 0, 1, 2]);
    const Y = new nn.Sequential(new nn.Linear(8, 128), new CenteredLayer())(torch.rand(4, 8));
    expect(Math.abs(Y.mean().item() as number)).toBeLessThan(1e-6);
    expect(Math.abs(fixture.chapter_5_4_mean)).toBeLessThan(1e-6);
  });

  it('MyLinear registers its parameters and has the right output shape', () => {
    class MyLinear extends nn.Module {
      weight: torch.nn.Parameter;
      bias: torch.nn.Parameter;
      constructor(inUnits: number, units: number) {
        super();
        this.weight = new nn.Parameter(torch.randn(inUnits, units));
        this.bias = new nn.Parameter(torch.randn(units));
      }
      override forward(X: torch.Tensor) {
        return F.relu(torch.matmul(X, this.weight.data).add(this.bias.data));
      }
    }
    const linear = new MyLinear(5, 3);
    expect(linear.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight', [5, 3]],
      ['bias', [3]],
    ]);
    expect(linear(torch.rand(2, 5)).shape).toEqual([2, 3]);
    expect(new nn.Sequential(new MyLinear(64, 8), new MyLinear(8, 1))(torch.rand(2, 64)).shape).toEqual([2, 1]);
  });
});
