/**
 * torchvision's ResNet (`torchvision/models/resnet.py`), ported as a user would port it:
 * the same classes, the same submodule names (so torchvision's state dicts load by name),
 * the same initialization.
 *
 * Run `npx tsx examples/resnet.ts` to build ResNet-18 and ResNet-50, print their
 * parameter counts and classify a random batch. tests/resnet.test.ts loads state dicts that
 * real torchvision wrote into these models and compares their eval-mode logits.
 */
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';

const { nn } = torch;
type Tensor = torch.Tensor;
type NormLayer = (channels: number) => torch.nn.Module<Tensor>;

/** 3x3 convolution with padding. @example conv3x3(64, 64, 2) */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): torch.nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

/** 1x1 convolution. @example conv1x1(64, 256) */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): torch.nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** What `_make_layer` passes to a block, torchvision's keyword arguments. */
export interface BlockOptions {
  stride?: number;
  downsample?: torch.nn.Module<Tensor> | null;
  groups?: number;
  baseWidth?: number;
  dilation?: number;
  normLayer?: NormLayer | null;
}

const batchNorm2d: NormLayer = (channels) => new nn.BatchNorm2d(channels);

/**
 * ResNet-18/34's block: two 3x3 convolutions and a shortcut.
 * @example new BasicBlock(64, 64)
 */
export class BasicBlock extends nn.Module<Tensor> {
  static readonly expansion = 1;
  conv1: torch.nn.Conv2d;
  bn1: torch.nn.Module<Tensor>;
  relu: torch.nn.ReLU;
  conv2: torch.nn.Conv2d;
  bn2: torch.nn.Module<Tensor>;
  downsample: torch.nn.Module<Tensor> | null;
  stride: number;

  // Submodules are assigned in the constructor, in torchvision's order, because that order
  // is the order of print(model) and of the state dict (field initializers would run first).
  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    const { stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    const normLayer = options.normLayer ?? batchNorm2d;
    if (groups !== 1 || baseWidth !== 64) throw new Error('BasicBlock only supports groups=1 and base_width=64');
    if (dilation > 1) throw new Error('Dilation > 1 not supported in BasicBlock');
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = normLayer(planes);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = normLayer(planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    // torch.tidy frees the block's intermediates when it returns, as Python's reference
    // counts free them once `out` is reassigned; the ones autograd saved wait for backward.
    return torch.tidy(() => {
      let identity = x;

      let out = this.conv1(x);
      out = this.bn1(out);
      out = this.relu(out);

      out = this.conv2(out);
      out = this.bn2(out);

      if (this.downsample !== null) identity = this.downsample(x);

      out = out.add_(identity);
      out = this.relu(out);

      return out;
    });
  }
}

/**
 * ResNet-50/101/152's block: 1x1, 3x3 (carrying the stride) and 1x1 convolutions.
 * @example new Bottleneck(256, 64)
 */
export class Bottleneck extends nn.Module<Tensor> {
  static readonly expansion = 4;
  conv1: torch.nn.Conv2d;
  bn1: torch.nn.Module<Tensor>;
  conv2: torch.nn.Conv2d;
  bn2: torch.nn.Module<Tensor>;
  conv3: torch.nn.Conv2d;
  bn3: torch.nn.Module<Tensor>;
  relu: torch.nn.ReLU;
  downsample: torch.nn.Module<Tensor> | null;
  stride: number;

  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    const { stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    const normLayer = options.normLayer ?? batchNorm2d;
    const width = Math.trunc(planes * (baseWidth / 64.0)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = normLayer(width);
    this.conv2 = conv3x3(width, width, stride, groups, dilation);
    this.bn2 = normLayer(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = normLayer(planes * Bottleneck.expansion);
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    // As BasicBlock's: tidy frees what the block made once it returns.
    return torch.tidy(() => {
      let identity = x;

      let out = this.conv1(x);
      out = this.bn1(out);
      out = this.relu(out);

      out = this.conv2(out);
      out = this.bn2(out);
      out = this.relu(out);

      out = this.conv3(out);
      out = this.bn3(out);

      if (this.downsample !== null) identity = this.downsample(x);

      out = out.add_(identity);
      out = this.relu(out);

      return out;
    });
  }
}

/** A block class: BasicBlock or Bottleneck. */
export type Block = typeof BasicBlock | typeof Bottleneck;

/** torchvision's ResNet keyword arguments. */
export interface ResNetOptions {
  numClasses?: number;
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  replaceStrideWithDilation?: [boolean, boolean, boolean] | null;
  normLayer?: NormLayer | null;
}

/**
 * torchvision's `ResNet`: a 7x7 stem, four stages of blocks, global average pooling and a
 * linear classifier.
 * @example const net = new ResNet(BasicBlock, [2, 2, 2, 2]); net.eval(); torch.noGrad(() => net(torch.rand(1, 3, 224, 224)))
 */
export class ResNet extends nn.Module<Tensor> {
  private normLayer: NormLayer;
  private inplanes = 64;
  private dilation = 1;
  groups: number;
  baseWidth: number;
  conv1: torch.nn.Conv2d;
  bn1: torch.nn.Module<Tensor>;
  relu: torch.nn.ReLU;
  maxpool: torch.nn.MaxPool2d;
  layer1: torch.nn.Sequential;
  layer2: torch.nn.Sequential;
  layer3: torch.nn.Sequential;
  layer4: torch.nn.Sequential;
  avgpool: torch.nn.AdaptiveAvgPool2d;
  fc: torch.nn.Linear;

  constructor(block: Block, layers: [number, number, number, number], options: ResNetOptions = {}) {
    super();
    const { numClasses = 1000, zeroInitResidual = false, groups = 1, widthPerGroup = 64 } = options;
    this.normLayer = options.normLayer ?? batchNorm2d;
    const replaceStrideWithDilation = options.replaceStrideWithDilation ?? [false, false, false];
    if (replaceStrideWithDilation.length !== 3) {
      throw new Error(`replace_stride_with_dilation should be None or a 3-element tuple, got ${JSON.stringify(replaceStrideWithDilation)}`);
    }
    this.groups = groups;
    this.baseWidth = widthPerGroup;
    this.conv1 = new nn.Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = this.normLayer(this.inplanes);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2, replaceStrideWithDilation[0]);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2, replaceStrideWithDilation[1]);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2, replaceStrideWithDilation[2]);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, numClasses);

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      }
    }

    if (zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) nn.init.constant_((m.bn3 as torch.nn.BatchNorm2d).weight!, 0);
        else if (m instanceof BasicBlock) nn.init.constant_((m.bn2 as torch.nn.BatchNorm2d).weight!, 0);
      }
    }
  }

  private makeLayer(block: Block, planes: number, blocks: number, stride = 1, dilate = false): torch.nn.Sequential {
    const normLayer = this.normLayer;
    let downsample: torch.nn.Module<Tensor> | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new nn.Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), normLayer(planes * block.expansion));
    }

    const layers: torch.nn.Module<Tensor>[] = [];
    layers.push(
      new block(this.inplanes, planes, { stride, downsample, groups: this.groups, baseWidth: this.baseWidth, dilation: previousDilation, normLayer }),
    );
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      layers.push(new block(this.inplanes, planes, { groups: this.groups, baseWidth: this.baseWidth, dilation: this.dilation, normLayer }));
    }

    return new nn.Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    // An inner scope for the stem, so that its two full-resolution activations are freed
    // before layer1 runs; the outer one frees the rest, the stem's output included.
    return torch.tidy(() => {
      x = torch.tidy(() => {
        x = this.conv1(x);
        x = this.bn1(x);
        x = this.relu(x);
        return this.maxpool(x);
      });

      x = this.layer1(x);
      x = this.layer2(x);
      x = this.layer3(x);
      x = this.layer4(x);

      x = this.avgpool(x);
      x = torch.flatten(x, 1);
      x = this.fc(x);

      return x;
    });
  }
}

/** ResNet-18. @example resnet18({ numClasses: 10 }) */
export const resnet18 = (options: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [2, 2, 2, 2], options);
/** ResNet-34. @example resnet34() */
export const resnet34 = (options: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [3, 4, 6, 3], options);
/** ResNet-50. @example resnet50() */
export const resnet50 = (options: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], options);
/** ResNet-101. @example resnet101() */
export const resnet101 = (options: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 23, 3], options);
/** ResNet-152. @example resnet152() */
export const resnet152 = (options: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 8, 36, 3], options);
/** ResNeXt-50 32x4d. @example resnext50_32x4d() */
export const resnext50_32x4d = (options: ResNetOptions = {}): ResNet =>
  new ResNet(Bottleneck, [3, 4, 6, 3], { ...options, groups: 32, widthPerGroup: 4 });
/** Wide ResNet-50-2. @example wideResnet50_2() */
export const wideResnet50_2 = (options: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], { ...options, widthPerGroup: 128 });

function countParameters(net: torch.nn.Module<Tensor>): number {
  let n = 0;
  for (const p of net.parameters()) n += p.numel();
  return n;
}

/** Builds ResNet-18 and -50 and classifies a random batch. @example main(console.log) */
export function main(print: (...args: unknown[]) => void = console.log): void {
  torch.manualSeed(0);
  const x = torch.rand(2, 3, 224, 224);
  for (const [name, make] of [['resnet18', resnet18], ['resnet50', resnet50]] as const) {
    const net = make();
    net.eval();
    const started = performance.now();
    const logits = torch.noGrad(() => net(x));
    const ms = performance.now() - started;
    const top = logits.softmax(1).topk(3, 1);
    print(`${name}: ${countParameters(net).toLocaleString('en-US')} parameters, logits ${JSON.stringify(logits.shape)} in ${ms.toFixed(0)} ms`);
    print(`  top-3 classes per image: ${JSON.stringify(top.indices.tolist())}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
