// torch.amp.GradScaler on the CPU against PyTorch: an MLP trained with SGD(momentum)
// under loss scaling, with an inf gradient (step 3) and a NaN one (step 6) that skip the
// step and back the scale off, and growth every 3 clean steps; then the state dict,
// the per-optimizer stage errors, disabled scalers and the options' checks.
// Fixture: tests/fixtures/amp.json, written by scripts/make_amp_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { nn, optim, type Tensor } from 'flint-torch';
import { native } from '../src/native/addon.js';
import { settledStorages } from './helpers/memory.js';

const F = nn.functional;

interface Step {
  loss: number;
  scaled: number;
  stepped: boolean;
  scale: number;
  tracker: number;
}
interface ScalerFixture {
  init: Record<string, { shape: number[]; data: number[] }>;
  x: number[];
  y: number[];
  steps: Step[];
  final: Record<string, number[]>;
  state_dict: Record<string, number>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'amp.json'), 'utf8')) as { scaler: ScalerFixture };
const fx = fixture.scaler;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as Float32Array);
}

function makeNet(): nn.Sequential {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 1));
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.init)) sd[k] = torch.tensor(v.data).reshape(v.shape);
  net.loadStateDict(sd);
  return net;
}

function closeTo(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
}

describe('GradScaler training loop (CPU)', () => {
  it("reproduces PyTorch's losses, skipped steps, scales and final weights", () => {
    const net = makeNet();
    const x = torch.tensor(fx.x).reshape([16, 4]);
    const y = torch.tensor(fx.y).reshape([16, 1]);
    const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 2 ** 10, growthInterval: 3 });
    const params = Object.fromEntries(net.namedParameters());
    fx.steps.forEach((expected, i) => {
      opt.zeroGrad();
      const loss = F.mseLoss(net(x), y);
      const scaled = scaler.scale(loss);
      scaled.backward();
      if (i === 3) params['0.weight'].grad!.select(0, 1).select(0, 2).fill_(Infinity);
      if (i === 6) params['2.bias'].grad!.select(0, 0).fill_(NaN);
      let called = false;
      const original = opt.step.bind(opt);
      opt.step = ((c?: () => unknown) => {
        called = true;
        return original(c as never);
      }) as typeof opt.step;
      const ret = scaler.step(opt);
      opt.step = original;
      expect(ret).toBeUndefined();
      scaler.update();
      expect(called).toBe(expected.stepped);
      expect(loss.item()).toBeCloseTo(expected.loss, 5);
      expect(scaled.item()).toBeCloseTo(expected.scaled, 2);
      expect(scaler.getScale()).toBe(expected.scale);
      expect(scaler._getGrowthTracker()).toBe(expected.tracker);
    });
    for (const [k, v] of Object.entries(fx.final)) closeTo(values(params[k]), v, 1e-5);
    expect(scaler.stateDict()).toEqual(fx.state_dict);
  });

  it('unscales gradients in place by 1/scale and keeps them unscaled when the step is skipped', () => {
    const w = torch.tensor([1.0, 2.0], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 1 });
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 8 });
    scaler.scale(w.mul(torch.tensor([3.0, Infinity])).sum()).backward();
    scaler.unscale_(opt);
    expect(values(w.grad!)).toEqual([3, Infinity]);
    scaler.step(opt);
    expect(values(w)).toEqual([1, 2]); // skipped
    scaler.update();
    expect(scaler.getScale()).toBe(4);
  });

  it('scales and unscales bfloat16 parameters in their own dtype', () => {
    const w = torch.tensor([1.0, 2.0], { dtype: torch.bfloat16, requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 1 });
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 8 });
    // The float32 0-dim scale does not promote a tensor with dims, but does a 0-dim one, as in PyTorch.
    expect(scaler.scale(w.detach().mul(3)).dtype).toBe(torch.bfloat16);
    const scaled = scaler.scale(w.mul(3).sum());
    expect(scaled.dtype).toBe(torch.float32);
    scaled.backward();
    expect(values(w.grad!.float())).toEqual([24, 24]);
    scaler.unscale_(opt);
    expect(w.grad!.dtype).toBe(torch.bfloat16);
    expect(values(w.grad!.float())).toEqual([3, 3]);
  });

  it("returns the optimizer's return value, passing its arguments through", () => {
    const w = torch.tensor([1.0], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.5 });
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 4 });
    scaler.scale(w.mul(2).sum()).backward();
    expect(scaler.step(opt, () => 7)).toBe(7);
    expect(w.item()).toBe(0); // 1 - 0.5 * 2
  });

  it('scales nested arrays and objects of outputs', () => {
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 4 });
    const [a, [b], { c }] = scaler.scale([torch.tensor([1.0]), [torch.tensor([2.0])], { c: torch.tensor([0.5]) }]);
    expect([a.item(), b.item(), c.item()]).toEqual([4, 8, 2]);
    expect(() => scaler.scale([torch.tensor([1.0]), 3 as never])).toThrow('outputs must be a Tensor or an iterable of Tensors');
  });
});

describe('GradScaler stages and errors', () => {
  function setup(): { w: Tensor; opt: optim.SGD; scaler: torch.amp.GradScaler } {
    const w = torch.tensor([1.0], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    const scaler = new torch.amp.GradScaler('cpu');
    return { w, opt, scaler };
  }

  it("raises PyTorch's errors for calls out of order", () => {
    const { w, opt, scaler } = setup();
    expect(() => scaler.unscale_(opt)).toThrow(
      'Attempted unscale_ but _scale is None.  This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.',
    );
    expect(() => scaler.update()).toThrow('Attempted update but _scale is None.');
    scaler.scale(w.sum()).backward();
    expect(() => scaler.update()).toThrow('No inf checks were recorded prior to update.');
    scaler.unscale_(opt);
    expect(() => scaler.unscale_(opt)).toThrow('unscale_() has already been called on this optimizer since the last update().');
    scaler.step(opt);
    expect(() => scaler.step(opt)).toThrow('step() has already been called since the last update().');
    expect(() => scaler.unscale_(opt)).toThrow('unscale_() is being called after step().');
    scaler.update();
    scaler.unscale_(opt); // a fresh stage after update()
    expect(() => scaler.step(opt, { closure: () => 0 } as never)).toThrow('Closure use is not currently supported if GradScaler is enabled.');
  });

  it('refuses float16 gradients in unscale_, as PyTorch', () => {
    const w = torch.tensor([1.0], { dtype: torch.float16, requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    const scaler = new torch.amp.GradScaler('cpu');
    scaler.scale(w.sum()).backward();
    expect(() => scaler.unscale_(opt)).toThrow('Attempting to unscale FP16 gradients.');
  });

  it('tracks stages per optimizer', () => {
    const a = torch.tensor([1.0], { requiresGrad: true });
    const b = torch.tensor([1.0], { requiresGrad: true });
    const optA = new optim.SGD([a], { lr: 1 });
    const optB = new optim.SGD([b], { lr: 1 });
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 2, growthInterval: 1 });
    scaler.scale(a.mul(torch.tensor([NaN])).sum().add(b.sum())).backward();
    scaler.step(optA);
    scaler.step(optB);
    expect(a.item()).toBe(1); // a's grad is NaN: skipped
    expect(b.item()).toBe(0); // b's is finite: stepped
    scaler.update(); // any inf backs the shared scale off
    expect(scaler.getScale()).toBe(1);
  });

  it('takes a new scale as a number or a one-element tensor', () => {
    const { w, opt, scaler } = setup();
    scaler.scale(w.sum());
    scaler.update(128);
    expect(scaler.getScale()).toBe(128);
    scaler.update(torch.tensor([32.0]));
    expect(scaler.getScale()).toBe(32);
    expect(() => scaler.update(torch.tensor([1.0, 2.0]))).toThrow('new_scale should be a float or a 1-element');
    void opt;
  });

  it('checks its options', () => {
    expect(() => new torch.amp.GradScaler('cpu', { growthFactor: 1 })).toThrow('The growth factor must be > 1.0.');
    expect(() => new torch.amp.GradScaler('cpu', { backoffFactor: 1 })).toThrow('The backoff factor must be < 1.0.');
    expect(() => new torch.amp.GradScaler('cpu', { growthInterval: 0.5 })).toThrow("argument 'growthInterval' must be a positive integer");
    expect(() => new torch.amp.GradScaler('cpu', { initscale: 2 } as never)).toThrow("unexpected option 'initscale'");
    expect(() => new torch.amp.GradScaler('tpu')).toThrow('Expected one of cpu, cuda device type');
  });
});

describe('GradScaler disabled and state dicts', () => {
  it('passes everything through when disabled', () => {
    const w = torch.tensor([1.0], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 1 });
    const scaler = new torch.amp.GradScaler('cpu', { enabled: false });
    const loss = w.mul(3).sum();
    expect(scaler.scale(loss)).toBe(loss);
    loss.backward();
    scaler.unscale_(opt);
    scaler.step(opt);
    scaler.update();
    expect(w.item()).toBe(-2);
    expect(scaler.getScale()).toBe(1);
    expect(scaler.isEnabled()).toBe(false);
    expect(scaler.stateDict()).toEqual({});
  });

  it.skipIf(torch.cuda.isAvailable())("disables a 'cuda' scaler without CUDA, with PyTorch's warning", () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const scaler = new torch.cuda.amp.GradScaler();
    expect(scaler.isEnabled()).toBe(false);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(warnings).toContain('torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.');
        resolve();
      }),
    );
  });

  it("round-trips PyTorch's keys, before and after the scale exists", () => {
    const a = new torch.amp.GradScaler('cpu', { initScale: 256, growthInterval: 5 });
    expect(a.stateDict()).toEqual({ scale: 256, growth_factor: 2, backoff_factor: 0.5, growth_interval: 5, _growth_tracker: 0 });
    const b = new torch.amp.GradScaler('cpu');
    b.loadStateDict(fx.state_dict as never);
    expect(b.stateDict()).toEqual(fx.state_dict);
    const w = torch.tensor([1.0], { requiresGrad: true });
    b.scale(w.sum()).backward();
    expect(w.grad!.item()).toBe(fx.state_dict.scale); // the loaded scale scales
    b.loadStateDict({ ...fx.state_dict, scale: 64, _growth_tracker: 2 } as never);
    expect(b.getScale()).toBe(64);
    expect(b._getGrowthTracker()).toBe(2);
    expect(() => b.loadStateDict({})).toThrow('The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.');
  });

  it('survives torch.save / torch.load as a plain dict', async () => {
    const scaler = new torch.amp.GradScaler('cpu', { initScale: 512 });
    const bytes = torch.serialize(scaler.stateDict());
    const back = torch.deserialize(bytes) as Record<string, number>;
    const other = new torch.amp.GradScaler('cpu');
    other.loadStateDict(back as never);
    expect(other.stateDict()).toEqual(scaler.stateDict());
  });
});


describe('GradScaler memory', () => {
  async function growth(enabled: boolean): Promise<number> {
    const w = torch.randn(4, 4, { requiresGrad: true });
    const x = torch.randn(8, 4);
    const opt = new optim.SGD([w], { lr: 0.01, momentum: 0.9 });
    const scaler = new torch.amp.GradScaler('cpu', { growthInterval: 2, enabled });
    const iteration = (): void =>
      torch.tidy(() => {
        opt.zeroGrad();
        scaler.scale(F.linear(x, w).square().mean()).backward();
        scaler.step(opt);
        scaler.update();
      });
    iteration();
    const before = await settledStorages();
    for (let i = 0; i < 5; i++) iteration();
    return (await settledStorages()) - before;
  }

  it('keeps no storage per iteration beyond what the unscaled loop keeps', async () => {
    expect(await growth(true)).toBe(await growth(false));
    expect(await growth(true)).toBe(0);
  });
});

describe('GradScaler host reads', () => {
  // Counted as tests/device-reads.test.ts does: by wrapping the addon's entry points that
  // copy to the host or wait for the device.
  const READS = ['toBuffer', 'readAsync', 'synchronize', 'nonzero'] as const;
  const table = native as unknown as Record<string, (...args: unknown[]) => unknown>;

  function reads(fn: () => void): number {
    let n = 0;
    const originals = READS.map((name) => table[name]);
    READS.forEach((name, i) => {
      table[name] = (...args: unknown[]) => {
        n++;
        return originals[i].apply(native, args);
      };
    });
    try {
      fn();
    } finally {
      READS.forEach((name, i) => (table[name] = originals[i]));
    }
    return n;
  }

  it('reads one flag per step, whatever the number of parameters, and nothing in unscale_, scale or update', () => {
    const net = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const opt = new optim.SGD(net.parameters(), { lr: 0.01 });
    const scaler = new torch.amp.GradScaler('cpu');
    const x = torch.randn(4, 4);
    expect(reads(() => scaler.scale(net(x).sum()).backward())).toBe(0);
    expect(reads(() => scaler.unscale_(opt))).toBe(0);
    expect(reads(() => scaler.step(opt))).toBe(1);
    expect(reads(() => scaler.update())).toBe(0);
  });
});
