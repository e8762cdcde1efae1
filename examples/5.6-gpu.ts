/**
 * Dive into Deep Learning, "GPUs", in flint. Run: npx tsx examples/5.6-gpu.ts
 * Devices, tensors placed on a GPU, computing there, and a network moved there. On a
 * machine without a CUDA GPU every device falls back to the CPU, and the script says so.
 */
import * as torch from 'flint-torch';
const { nn } = torch;

// Computing devices.
console.log(torch.device('cpu'), torch.device('cuda'), torch.device('cuda:1'));
console.log(torch.cuda.deviceCount());
if (!torch.cuda.isAvailable()) {
  console.log(`no GPU, so everything below runs on the CPU (${torch.cuda.unavailableReason()})`);
}

/** The i-th GPU if it exists, else the CPU. */
function tryGpu(i = 0): torch.Device {
  if (torch.cuda.deviceCount() >= i + 1) return torch.device(`cuda:${i}`);
  return torch.device('cpu');
}

/** Every GPU, or [cpu] if there is none. */
function tryAllGpus(): torch.Device[] {
  const devices = Array.from({ length: torch.cuda.deviceCount() }, (_, i) => torch.device(`cuda:${i}`));
  return devices.length > 0 ? devices : [torch.device('cpu')];
}

console.log(tryGpu(), tryGpu(10), tryAllGpus());

// Tensors and GPUs.
const x = torch.tensor([1, 2, 3]);
console.log(x.device);

const X = torch.ones(2, 3, { device: tryGpu() });
console.log(X);

torch.manualSeed(0);
const Y = torch.rand(2, 3, { device: tryGpu(1) });
console.log(Y.device);

// Copying: an op needs both operands on one device, so Y goes where X is.
const Z = Y.to(X.device);
console.log(String(Z.device) === String(X.device));
console.log(Z.add(X).sub(Y.to(X.device)).sum().item() === 6);
console.log(Z.to(X.device) === Z); // already there: no copy

// Neural networks and GPUs.
const net = new nn.Sequential(new nn.Linear(3, 1)).to(tryGpu());
console.log(net(X).shape, String(net(X).device));
console.log(net.at(0).weight.data.device);
