/**
 * `torch.amp.GradScaler`: loss scaling for mixed-precision training. Gradients of a
 * scaled loss are unscaled in place before the optimizer sees them, a step whose
 * gradients hold inf/NaN is skipped, and the scale backs off or grows as PyTorch's
 * `_amp_update_scale_` does. The inf check, the skip decision and the scale update stay
 * on the device as tensors; `step` reads one flag per device back to the host.
 */
import '../tensor/methods.js';
import * as cuda from '../cuda.js';
import { keep, tidy } from '../memory/storage.js';
import { full } from '../tensor/creation.js';
import { float16, float32, float64, int32 } from '../tensor/dtype.js';
import { device as toDevice, type DeviceLike } from '../tensor/device.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError } from '../tensor/args.js';
import { checkScalerOptions, type GradScalerOptions, type GradScalerStateDict } from './grad-scaler-options.js';
import { nonFiniteCheckAndUnscale_, updateScale_ } from './scaler-kernels.js';

export type { GradScalerOptions, GradScalerStateDict } from './grad-scaler-options.js';

/** What GradScaler needs of an optimizer: its param groups and a step. */
export interface ScalableOptimizer {
  paramGroups: { params: Tensor[] }[];
  step(...args: never[]): unknown;
}

/** A tensor, or arrays / objects of them, as `scale` accepts. */
export type Scalable = Tensor | readonly Scalable[] | { readonly [key: string]: Scalable };

enum OptState {
  READY,
  UNSCALED,
  STEPPED,
}

interface PerOptimizerState {
  stage: OptState;
  /** The found-inf flag (a float32 scalar, 1 where a gradient held inf/NaN) per device. */
  foundInfPerDevice: Map<string, Tensor>;
}

const FIX = 'This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.';

/**
 * Scales losses and unscales gradients for mixed-precision training, as
 * `torch.amp.GradScaler(device, init_scale=..., ...)`. Works on `'cuda'` and `'cpu'`.
 * On `'cuda'` without CUDA it warns and disables itself, as PyTorch does.
 *
 * @example
 * const scaler = new torch.amp.GradScaler('cpu');
 * for (const [x, y] of data) {
 *   opt.zeroGrad();
 *   const loss = F.mseLoss(net(x), y);
 *   scaler.scale(loss).backward();
 *   scaler.step(opt);
 *   scaler.update();
 * }
 */
export class GradScaler {
  private readonly device: 'cpu' | 'cuda';
  private enabled: boolean;
  private initScale: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private initGrowthTracker = 0;
  private scaleT: Tensor | null = null;
  private growthTrackerT: Tensor | null = null;
  private perOptimizer = new Map<object, PerOptimizerState>();

  constructor(device: DeviceLike = 'cuda', options: GradScalerOptions = {}) {
    this.device = toDevice(device).type;
    const o = checkScalerOptions(options);
    this.enabled = o.enabled;
    if (this.enabled && this.device === 'cuda' && !cuda.isAvailable()) {
      process.emitWarning('torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.', 'UserWarning');
      this.enabled = false;
    }
    if (this.enabled) {
      if (!(o.growthFactor > 1)) throw new Error('The growth factor must be > 1.0.');
      if (!(o.backoffFactor < 1)) throw new Error('The backoff factor must be < 1.0.');
    }
    this.initScale = o.initScale;
    this.growthFactor = o.growthFactor;
    this.backoffFactor = o.backoffFactor;
    this.growthInterval = o.growthInterval;
  }

  private lazyInit(dev: Tensor['device']): void {
    this.scaleT = keep(full([], this.initScale, { dtype: float32, device: dev }));
    this.growthTrackerT = keep(full([], this.initGrowthTracker, { dtype: int32, device: dev }));
  }

  private stateOf(optimizer: object): PerOptimizerState {
    let s = this.perOptimizer.get(optimizer);
    if (s === undefined) {
      s = { stage: OptState.READY, foundInfPerDevice: new Map() };
      this.perOptimizer.set(optimizer, s);
    }
    return s;
  }

  private checkScaleGrowthTracker(fn: string): [Tensor, Tensor] {
    if (this.scaleT === null) throw new Error(`Attempted ${fn} but _scale is None.  ${FIX}`);
    if (this.growthTrackerT === null) throw new Error(`Attempted ${fn} but _growth_tracker is None.  ${FIX}`);
    return [this.scaleT, this.growthTrackerT];
  }

  /**
   * Multiplies outputs (a tensor, or arrays/objects of tensors) by the scale; returns them
   * unchanged when disabled.
   * @example scaler.scale(loss).backward();
   */
  scale<T extends Scalable>(outputs: T): T {
    if (!this.enabled) return outputs;
    const one = (t: Tensor): Tensor => {
      if (t.device.type !== this.device) {
        throw new Error(`GradScaler for '${this.device}' got an output on ${String(t.device)}; scale() expects outputs on the scaler's device type`);
      }
      if (this.scaleT === null) this.lazyInit(t.device);
      const s = this.scaleT as Tensor;
      if (s.device === t.device) return t.mul(s);
      return tidy(() => t.mul(s.to(t.device)));
    };
    const visit = (v: unknown): unknown => {
      if (v instanceof Tensor) return one(v);
      if (Array.isArray(v)) return v.map(visit);
      if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
      }
      throw new Error('outputs must be a Tensor or an iterable of Tensors');
    };
    return visit(outputs) as T;
  }

  /** Unscales every gradient of `optimizer` in place and records found-inf flags per device. */
  private unscaleGrads(optimizer: ScalableOptimizer, invScale: Tensor, allowFp16: boolean): Map<string, Tensor> {
    const byDevice = new Map<string, Tensor[]>();
    for (const group of optimizer.paramGroups) {
      for (const p of group.params) {
        const g = p._grad; // unscaled in place, never kept
        if (g === null) continue;
        if (!allowFp16 && g.dtype === float16) throw new Error('Attempting to unscale FP16 gradients.');
        const key = String(g.device);
        const list = byDevice.get(key);
        if (list === undefined) byDevice.set(key, [g]);
        else list.push(g);
      }
    }
    const found = new Map<string, Tensor>();
    for (const [key, grads] of byDevice) {
      const dev = grads[0].device;
      const inv = invScale.device === dev ? invScale : tidy(() => invScale.to(dev));
      found.set(key, nonFiniteCheckAndUnscale_(grads, inv));
      if (inv !== invScale) inv.dispose();
    }
    return found;
  }

  /**
   * Divides the optimizer's gradients by the scale (in place), e.g. before gradient
   * clipping. At most once per optimizer between `update()`s, and not after `step()`.
   * @example scaler.scale(loss).backward(); scaler.unscale_(opt); nn.utils.clipGradNorm_(net.parameters(), 1);
   */
  unscale_(optimizer: ScalableOptimizer): void {
    if (!this.enabled) return;
    const [scale] = this.checkScaleGrowthTracker('unscale_');
    const state = this.stateOf(optimizer);
    if (state.stage === OptState.UNSCALED) throw new Error('unscale_() has already been called on this optimizer since the last update().');
    if (state.stage === OptState.STEPPED) throw new Error('unscale_() is being called after step().');
    // PyTorch: inv_scale = scale.double().reciprocal().float()
    const invScale = tidy(() => scale.to(float64).reciprocal().to(float32));
    try {
      state.foundInfPerDevice = this.unscaleGrads(optimizer, invScale, false);
    } finally {
      invScale.dispose();
    }
    state.stage = OptState.UNSCALED;
  }

  /**
   * Unscales the gradients (unless `unscale_` already did) and runs `optimizer.step(...args)`
   * unless a gradient holds inf/NaN. Returns what `step` returned, or undefined when skipped.
   * @example scaler.step(opt); scaler.update();
   */
  step<O extends ScalableOptimizer>(optimizer: O, ...args: Parameters<O['step']>): ReturnType<O['step']> | undefined {
    const stepFn = optimizer.step as (...a: unknown[]) => ReturnType<O['step']>;
    if (!this.enabled) return stepFn.apply(optimizer, args);
    const last = args[args.length - 1] as unknown;
    if (last !== null && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype && 'closure' in last) {
      throw new Error('Closure use is not currently supported if GradScaler is enabled.');
    }
    this.checkScaleGrowthTracker('step');
    const state = this.stateOf(optimizer);
    if (state.stage === OptState.STEPPED) throw new Error('step() has already been called since the last update().');
    if (state.stage === OptState.READY) this.unscale_(optimizer);
    if (state.foundInfPerDevice.size === 0) throw new Error('No inf checks were recorded for this optimizer.');
    let found = 0;
    for (const f of state.foundInfPerDevice.values()) found += f.item(); // the one host read per device
    const retval = found === 0 ? stepFn.apply(optimizer, args) : undefined;
    state.stage = OptState.STEPPED;
    return retval;
  }

  /**
   * Updates the scale: backs off when any optimizer's gradients held inf/NaN since the last
   * update, grows it after `growthInterval` clean steps; or sets it to `newScale`.
   * @example scaler.update(); scaler.update(1024);
   */
  update(newScale?: number | Tensor): void {
    if (!this.enabled) return;
    const [scale, tracker] = this.checkScaleGrowthTracker('update');
    if (newScale !== undefined) {
      if (typeof newScale === 'number') scale.fill_(newScale);
      else {
        const reason = 'new_scale should be a float or a 1-element torch.cuda.FloatTensor or torch.FloatTensor with requires_grad=False.';
        if (!(newScale instanceof Tensor) || newScale.device.type !== this.device || newScale.numel() !== 1 || newScale.requiresGrad) {
          throw new Error(reason);
        }
        tidy(() => scale.copy_(newScale.reshape([])));
      }
    } else {
      const founds: Tensor[] = [];
      for (const s of this.perOptimizer.values()) for (const f of s.foundInfPerDevice.values()) founds.push(f);
      if (founds.length === 0) throw new Error('No inf checks were recorded prior to update.');
      tidy(() => {
        let combined = founds[0].device === scale.device ? founds[0] : founds[0].to(scale.device);
        for (let i = 1; i < founds.length; i++) combined = combined.add(founds[i].to(scale.device));
        updateScale_(scale, tracker, combined, this.growthFactor, this.backoffFactor, this.growthInterval);
      });
    }
    for (const s of this.perOptimizer.values()) for (const f of s.foundInfPerDevice.values()) f.dispose();
    this.perOptimizer = new Map();
  }

  /** The current scale (the initial one before the first `scale`), or 1 when disabled. @example scaler.getScale() // 65536 */
  getScale(): number {
    if (!this.enabled) return 1.0;
    return this.scaleT === null ? this.initScale : this.scaleT.item();
  }

  /** @example scaler.getGrowthFactor() // 2 */
  getGrowthFactor(): number {
    return this.growthFactor;
  }

  /** @example scaler.setGrowthFactor(4) */
  setGrowthFactor(newFactor: number): void {
    this.growthFactor = newFactor;
  }

  /** @example scaler.getBackoffFactor() // 0.5 */
  getBackoffFactor(): number {
    return this.backoffFactor;
  }

  /** @example scaler.setBackoffFactor(0.25) */
  setBackoffFactor(newFactor: number): void {
    this.backoffFactor = newFactor;
  }

  /** @example scaler.getGrowthInterval() // 2000 */
  getGrowthInterval(): number {
    return this.growthInterval;
  }

  /** @example scaler.setGrowthInterval(100) */
  setGrowthInterval(newInterval: number): void {
    this.growthInterval = newInterval;
  }

  /** Clean steps since the last growth or backoff (PyTorch's `_get_growth_tracker`). @example scaler._getGrowthTracker() */
  _getGrowthTracker(): number {
    if (!this.enabled) return 0;
    return this.growthTrackerT === null ? this.initGrowthTracker : this.growthTrackerT.item();
  }

  /** @example scaler.isEnabled() */
  isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * PyTorch's keys: `scale`, `growth_factor`, `backoff_factor`, `growth_interval`,
   * `_growth_tracker` (an empty object when disabled).
   * @example torch.save(scaler.stateDict(), 'scaler.pt');
   */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.getScale(),
      growth_factor: this.growthFactor,
      backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval,
      _growth_tracker: this._getGrowthTracker(),
    };
  }

  /**
   * Restores what `stateDict` returned (here or in PyTorch).
   * @example scaler.loadStateDict(torch.load('scaler.pt'));
   */
  loadStateDict(stateDict: GradScalerStateDict | Record<string, never>): void {
    if (!this.enabled) return;
    if (stateDict === null || typeof stateDict !== 'object') throw argumentError('loadStateDict', 'stateDict', 'an object', stateDict);
    if (Object.keys(stateDict).length === 0) {
      throw new Error('The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.');
    }
    const sd = stateDict as GradScalerStateDict;
    for (const key of ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'] as const) {
      if (typeof sd[key] !== 'number') throw new Error(`loadStateDict: '${key}' must be a number, but got ${typeof sd[key]}`);
    }
    this.initScale = sd.scale;
    if (this.scaleT !== null) this.scaleT.fill_(sd.scale);
    this.growthFactor = sd.growth_factor;
    this.backoffFactor = sd.backoff_factor;
    this.growthInterval = sd.growth_interval;
    this.initGrowthTracker = sd._growth_tracker;
    if (this.growthTrackerT !== null) this.growthTrackerT.fill_(sd._growth_tracker);
  }
}
