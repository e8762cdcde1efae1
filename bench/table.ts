// The side-by-side table that `npm run bench -- --vs-torch` prints: flint's and PyTorch's
// result lines for one device, the ratio, and the target each workload must reach.

import { cpus } from 'node:os';

/** One result, as torch_bench.py prints it (flint's lines add "impl": "flint"). */
export interface BenchLine {
  impl: string;
  version: string;
  device: string;
  workload: string;
  size: string;
  median_s: number;
  unit: string;
  value: number;
}

/** flint/torch value ratio each workload must reach (the issues' targets), per device. */
const CUDA_TARGETS: { workload: string; size?: string; min: number }[] = [
  { workload: 'matmul', size: '4096', min: 0.97 },
  { workload: 'matmul', size: '8192', min: 0.97 },
  { workload: 'add', min: 0.97 },
  { workload: 'sum', min: 1.1 },
  { workload: 'tiny_op', min: 2 },
  { workload: 'seed_mlp', min: 3 },
  { workload: 'mlp_train', min: 1.1 },
  { workload: 'mlp_infer', min: 1 },
  { workload: 'conv2d', min: 0.95 },
  { workload: 'cnn_train', min: 1 },
  { workload: 'resnet18_infer', min: 0.95 },
  { workload: 'transformer_infer', min: 1 },
  { workload: 'transformer_train', min: 1 },
  { workload: 'lstm_train', min: 0.9 },
];
const TARGETS: { workload: string; size?: string; min: number }[] = [
  { workload: 'matmul', size: '1024', min: 0.95 },
  { workload: 'matmul', size: '2048', min: 0.95 },
  { workload: 'add', min: 2 },
  { workload: 'sum', min: 1 },
  { workload: 'tiny_op', min: 2 },
  { workload: 'seed_mlp', min: 2 },
  { workload: 'mlp_train', min: 1 },
  { workload: 'mlp_infer', min: 1 },
  { workload: 'conv2d', min: 1.5 },
  { workload: 'cnn_train', min: 1.2 },
  { workload: 'resnet18_infer', min: 1.2 },
  { workload: 'transformer_infer', min: 1.3 },
  { workload: 'transformer_train', min: 1.1 },
  { workload: 'lstm_train', min: 1 },
];

function targetFor(workload: string, size: string, device: string): number | undefined {
  return (device === 'cuda' ? CUDA_TARGETS : TARGETS).find((t) => t.workload === workload && (t.size === undefined || t.size === size))?.min;
}

function fmtValue(v: number | undefined): string {
  if (v === undefined) return '—';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(v >= 100 ? 1 : 2);
}

/**
 * The markdown table of flint's and PyTorch's results for one device, each side's value the
 * median over rounds, with the ratio and the issue's target.
 * @example console.log(table(lines, 'cpu', '0.1.0'))
 */
export function table(lines: readonly BenchLine[], device: string, fallbackVersion: string): string {
  const flint = lines.filter((l) => l.impl === 'flint' && l.device === device);
  const torch = lines.filter((l) => l.impl === 'torch' && l.device === device);
  // Rows in the order the workloads ran: flint's first, then any only PyTorch has.
  const keys: [string, string][] = [];
  for (const l of [...flint, ...torch]) {
    if (!keys.some(([w, s]) => w === l.workload && s === l.size)) keys.push([l.workload, l.size]);
  }
  const out = [
    '| workload | size | unit | flint | torch | flint/torch | target | status |',
    '|---|---:|---|---:|---:|---:|---:|---|',
  ];
  // With several rounds, each side's value is its median over the rounds: on a shared VM
  // the machine's speed drifts, and alternating rounds keep the drift off one side.
  const median = (list: readonly BenchLine[], w: string, s: string) => {
    const found = list.filter((l) => l.workload === w && l.size === s);
    if (found.length === 0) return undefined;
    const sorted = found.map((l) => l.value).sort((a, b) => a - b);
    return { ...found[0], value: sorted[Math.floor((sorted.length - 1) / 2)] };
  };
  for (const [w, s] of keys) {
    const f = median(flint, w, s);
    const t = median(torch, w, s);
    const ratio = f && t && t.value > 0 ? f.value / t.value : undefined;
    const target = targetFor(w, s, device);
    let status = '—';
    if (target !== undefined) status = ratio === undefined ? 'n/a' : ratio >= target ? 'met' : '**missed**';
    out.push(
      `| ${w} | ${s} | ${(f ?? t)!.unit} | ${fmtValue(f?.value)} | ${fmtValue(t?.value)} | ` +
        `${ratio === undefined ? '—' : `${ratio.toFixed(2)}×`} | ${target === undefined ? '—' : `≥ ${target}×`} | ${status} |`,
    );
  }
  const fv = flint[0]?.version ?? fallbackVersion;
  const tv = torch[0]?.version ?? '?';
  const cpu = cpus();
  return [
    `flint ${fv} vs PyTorch ${tv}, device ${device}, on ${cpu.length}× ${cpu[0]?.model ?? 'unknown CPU'}`,
    '',
    ...out,
  ].join('\n');
}
