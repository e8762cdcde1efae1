/**
 * Every public entry point checks its arguments where they enter: an unknown option is
 * a TypeError naming the key and the allowed ones (Python's "unexpected keyword
 * argument"), and a wrong-typed argument a TypeError saying what was expected and what
 * was found, never an internal error from deeper down. Where PyTorch has a message of
 * its own for the case, flint's is PyTorch's.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { checkOptions, describeValue, keysOf } from '../src/tensor/args.js';

const { nn } = torch;
const F = nn.functional;
const init = nn.init;
const { DataLoader, TensorDataset, Subset, randomSplit } = torch.utils.data;

/** Calls `fn` and returns what it threw (failing the test when it did not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but the call returned');
}

const x = torch.ones(2, 3);
const bad = { bogus: 1 } as never;

/** [entry point, the name its message uses, a call passing `{ bogus: 1 }` as the options]. */
const unknownOptionCases: [string, string, () => unknown][] = [
  ['torch.zeros', 'zeros', () => torch.zeros(2, bad)],
  ['torch.ones', 'ones', () => torch.ones([2], bad)],
  ['torch.empty', 'empty', () => torch.empty(2, bad)],
  ['torch.rand', 'rand', () => torch.rand(2, bad)],
  ['torch.randn', 'randn', () => torch.randn(2, bad)],
  ['torch.full', 'full', () => torch.full([2], 1, bad)],
  ['torch.tensor', 'tensor', () => torch.tensor([1], bad)],
  ['torch.arange', 'arange', () => torch.arange(3, bad)],
  ['torch.arange (start, end, step)', 'arange', () => torch.arange(0, 3, 1, bad)],
  ['torch.linspace', 'linspace', () => torch.linspace(0, 1, 3, bad)],
  ['torch.eye', 'eye', () => torch.eye(2, bad)],
  ['torch.randint', 'randint', () => torch.randint(0, 5, [2], bad)],
  ['torch.zerosLike', 'zerosLike', () => torch.zerosLike(x, bad)],
  ['torch.onesLike', 'onesLike', () => torch.onesLike(x, bad)],
  ['torch.emptyLike', 'emptyLike', () => torch.emptyLike(x, bad)],
  ['torch.fullLike', 'fullLike', () => torch.fullLike(x, 1, bad)],
  ['torch.randLike', 'randLike', () => torch.randLike(x, bad)],
  ['torch.randnLike', 'randnLike', () => torch.randnLike(x, bad)],
  ['Tensor.add', 'add', () => x.add(1, bad)],
  ['Tensor.sub', 'sub', () => x.sub(1, bad)],
  ['Tensor.add_', 'add_', () => x.clone().add_(1, bad)],
  ['Tensor.sub_', 'sub_', () => x.clone().sub_(1, bad)],
  ['Tensor.div', 'div', () => x.div(2, bad)],
  ['Tensor.sum', 'sum', () => x.sum(bad)],
  ['Tensor.sum (dim, options)', 'sum', () => x.sum(1, bad)],
  ['Tensor.mean', 'mean', () => x.mean(0, false, bad)],
  ['Tensor.prod', 'prod', () => x.prod(bad)],
  ['Tensor.max', 'max', () => x.max(bad)],
  ['Tensor.min', 'min', () => x.min(bad)],
  ['Tensor.argmax', 'argmax', () => x.argmax(bad)],
  ['Tensor.argmin', 'argmin', () => x.argmin(bad)],
  ['Tensor.var', 'var', () => x.var(bad)],
  ['Tensor.std', 'std', () => x.std(0, bad)],
  ['Tensor.softmax', 'softmax', () => x.softmax(1, bad)],
  ['Tensor.logSoftmax', 'logSoftmax', () => x.logSoftmax(1, bad)],
  ['Tensor.clamp', 'clamp', () => x.clamp(bad)],
  ['torch.addmm', 'addmm', () => torch.addmm(x, x, x.t(), bad)],
  ['nn.Linear', 'Linear', () => new nn.Linear(2, 3, bad)],
  ['nn.Embedding', 'Embedding', () => new nn.Embedding(10, 3, bad)],
  ['nn.Embedding.fromPretrained', 'fromPretrained', () => nn.Embedding.fromPretrained(x, bad)],
  ['nn.LayerNorm', 'LayerNorm', () => new nn.LayerNorm(3, bad)],
  ['nn.BatchNorm1d', 'BatchNorm1d', () => new nn.BatchNorm1d(3, bad)],
  ['nn.ReLU', 'ReLU', () => new nn.ReLU(bad)],
  ['nn.LeakyReLU', 'LeakyReLU', () => new nn.LeakyReLU(0.1, bad)],
  ['nn.GELU', 'GELU', () => new nn.GELU(bad)],
  ['nn.SiLU', 'SiLU', () => new nn.SiLU(bad)],
  ['nn.Dropout', 'Dropout', () => new nn.Dropout(0.5, bad)],
  ['nn.MSELoss', 'MSELoss', () => new nn.MSELoss(bad)],
  ['nn.L1Loss', 'L1Loss', () => new nn.L1Loss(bad)],
  ['nn.CrossEntropyLoss', 'CrossEntropyLoss', () => new nn.CrossEntropyLoss(bad)],
  ['nn.NLLLoss', 'NLLLoss', () => new nn.NLLLoss(bad)],
  ['nn.BCEWithLogitsLoss', 'BCEWithLogitsLoss', () => new nn.BCEWithLogitsLoss(bad)],
  ['F.relu', 'relu', () => F.relu(x, bad)],
  ['F.leakyRelu', 'leakyRelu', () => F.leakyRelu(x, bad)],
  ['F.gelu', 'gelu', () => F.gelu(x, bad)],
  ['F.silu', 'silu', () => F.silu(x, bad)],
  ['F.softmax', 'softmax', () => F.softmax(x, 1, bad)],
  ['F.dropout', 'dropout', () => F.dropout(x, bad)],
  ['F.batchNorm', 'batchNorm', () => F.batchNorm(x, null, null, bad)],
  ['F.embedding', 'embedding', () => F.embedding(torch.tensor([1]), x, bad)],
  ['F.embedding (paddingIdx, options)', 'embedding', () => F.embedding(torch.tensor([1]), x, 0, bad)],
  ['F.crossEntropy', 'crossEntropy', () => F.crossEntropy(x, torch.tensor([0, 1]), bad)],
  ['F.nllLoss', 'nllLoss', () => F.nllLoss(x, torch.tensor([0, 1]), bad)],
  ['F.mseLoss', 'mseLoss', () => F.mseLoss(x, x, bad)],
  ['F.l1Loss', 'l1Loss', () => F.l1Loss(x, x, bad)],
  ['F.binaryCrossEntropyWithLogits', 'binaryCrossEntropyWithLogits', () => F.binaryCrossEntropyWithLogits(x, x, bad)],
  ['init.uniform_', 'uniform_', () => init.uniform_(torch.empty(2, 2), bad)],
  ['init.normal_', 'normal_', () => init.normal_(torch.empty(2, 2), bad)],
  ['init.constant_', 'constant_', () => init.constant_(torch.empty(2, 2), bad)],
  ['init.dirac_', 'dirac_', () => init.dirac_(torch.empty(2, 2, 3), bad)],
  ['init.xavierUniform_', 'xavierUniform_', () => init.xavierUniform_(torch.empty(2, 2), bad)],
  ['init.xavierNormal_', 'xavierNormal_', () => init.xavierNormal_(torch.empty(2, 2), bad)],
  ['init.kaimingUniform_', 'kaimingUniform_', () => init.kaimingUniform_(torch.empty(2, 2), bad)],
  ['init.kaimingNormal_', 'kaimingNormal_', () => init.kaimingNormal_(torch.empty(2, 2), bad)],
  ['init.truncNormal_', 'truncNormal_', () => init.truncNormal_(torch.empty(2, 2), bad)],
  ['init.orthogonal_', 'orthogonal_', () => init.orthogonal_(torch.empty(2, 2), bad)],
  ['init.sparse_', 'sparse_', () => init.sparse_(torch.empty(2, 2), bad)],
  ['init.calculateGain', 'calculateGain', () => init.calculateGain('leaky_relu', bad)],
  ['Module.stateDict', 'stateDict', () => new nn.Linear(2, 2).stateDict(bad)],
  ['Module.loadStateDict', 'loadStateDict', () => new nn.Linear(2, 2).loadStateDict({}, bad)],
  ['Module.registerBuffer', 'registerBuffer', () => new nn.Module().registerBuffer('b', x, bad)],
  ['Module.zeroGrad', 'zeroGrad', () => new nn.Linear(2, 2).zeroGrad(bad)],
  ['Module.to', 'Module.to', () => new nn.Linear(2, 2).to(bad)],
  ['utils.data.DataLoader', 'DataLoader', () => new DataLoader([1, 2], bad)],
];

describe('an unknown option is a TypeError naming the key and the allowed keys', () => {
  it.each(unknownOptionCases)('%s', (_entry, fn, call) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(new RegExp(`^${fn.replace('.', '\\.')}\\(\\) got an unexpected option 'bogus' \\(expected one of: [a-zA-Z_, ]+\\)$`));
  });

  it('lists the keys the entry point does accept', () => {
    expect(thrown(() => new nn.Embedding(10, 3, { maxnorm: 1 } as never)).message).toBe(
      "Embedding() got an unexpected option 'maxnorm' (expected one of: paddingIdx, maxNorm, normType, scaleGradByFreq, sparse, dtype, device, _weight)",
    );
    expect(thrown(() => torch.zeros(2, { requires_grad: true } as never)).message).toBe(
      "zeros() got an unexpected option 'requires_grad' (expected one of: dtype, device, requiresGrad)",
    );
    expect(thrown(() => x.max({ dim: 1, dtype: torch.float64 } as never)).message).toBe(
      "max() got an unexpected option 'dtype' (expected one of: dim, keepdim)",
    );
    expect(thrown(() => new DataLoader([1], { numWorker: 0 } as never)).message).toBe(
      "DataLoader() got an unexpected option 'numWorker' (expected one of: batchSize, shuffle, sampler, batchSampler, dropLast, generator, collateFn, numWorkers, pinMemory, timeout, workerInitFn, prefetchFactor, persistentWorkers)",
    );
  });

  it('an options argument that is not an object is refused too', () => {
    expect(thrown(() => x.add(1, 2 as never)).message).toBe('add(): expected an options object, but got the integer 2');
    expect(thrown(() => new nn.Linear(2, 3, [true] as never)).message).toBe('Linear(): expected an options object, but got an array of length 1');
  });

  it('keysOf returns the listed keys, and checkOptions passes them', () => {
    const keys = keysOf<{ a?: number; b?: string }>()('a', 'b');
    expect(keys).toEqual(['a', 'b']);
    expect(() => checkOptions({ a: 1, b: 'x' }, 'f', keys)).not.toThrow();
    expect(() => checkOptions(undefined, 'f', keys)).not.toThrow();
    expect(() => checkOptions({ c: 1 }, 'f', keys)).toThrow("f() got an unexpected option 'c' (expected one of: a, b)");
  });
});

/** [call, the exact message]; every one is a TypeError. */
const typeCases: [string, () => unknown, string][] = [
  // creation
  ['zeros(2.5)', () => torch.zeros(2.5), "zeros(): argument 'size' must be a sequence of integers, but got [2.5] (element 0 is the number 2.5)"],
  ['ones([2, "3"])', () => torch.ones([2, '3'] as never), `ones(): argument 'size' must be a sequence of integers, but got [2, "3"] (element 1 is the string "3")`],
  ['zeros dtype name', () => torch.zeros(2, { dtype: 'flt' }), `zeros(): argument 'dtype' must be a torch.dtype (such as torch.float32) or its name, but got the string "flt"`],
  ['zeros device 5', () => torch.zeros(2, { device: 5 as never }), "zeros(): argument 'device' must be a torch.device or a device string such as 'cpu' or 'cuda:0', but got the integer 5"],
  ['rand requiresGrad', () => torch.rand(2, { requiresGrad: 'yes' as never }), `rand(): argument 'requiresGrad' must be a boolean, but got the string "yes"`],
  ['full fill value', () => torch.full([2], 'a' as never), `full(): argument 'fillValue' must be a number or a boolean, but got the string "a"`],
  ['arange("a")', () => torch.arange('a' as never), `arange(): argument 'end' must be a number, but got the string "a"`],
  ['linspace steps', () => torch.linspace(0, 1, 2.5), "linspace(): argument 'steps' must be an integer, but got the number 2.5"],
  ['eye(2.5)', () => torch.eye(2.5), "eye(): argument 'n' must be an integer, but got the number 2.5"],
  ['randint low', () => torch.randint(0.5, 10, [2]), "randint(): argument 'low' must be an integer, but got the number 0.5"],
  ['randint without size', () => (torch.randint as (a: number, b: number) => unknown)(0, 10), "randint(): argument 'size' must be a sequence of integers, but got undefined"],
  ['manualSeed(1.5)', () => torch.manualSeed(1.5), "manualSeed(): argument 'seed' must be a safe integer or a bigint, but got the number 1.5"],
  ['tensor("a")', () => torch.tensor('a' as never), `tensor(): argument 'data' must be a number, a boolean, a bigint, a (nested) array of them, a typed array or a Tensor, but got the string "a"`],
  ['tensor([1, "a"])', () => torch.tensor([1, 'a'] as never), `tensor(): could not infer the dtype of the string "a": expected numbers, booleans or bigints`],
  ['zerosLike(3)', () => torch.zerosLike(3 as never), "zerosLike(): argument 'input' must be a Tensor, but got the integer 3"],
  ['device(5)', () => torch.device(5 as never), "device(): argument 'type' must be a torch.device or a device string such as 'cpu' or 'cuda:0', but got the integer 5"],
  ['setDefaultDtype("x")', () => torch.setDefaultDtype('x' as never), `setDefaultDtype(): argument 'dtype' must be a torch.dtype (such as torch.float64) or its name, but got "x"`],
  ['setNumThreads(1.5)', () => torch.setNumThreads(1.5), "setNumThreads(): argument 'threads' must be an integer, but got the number 1.5"],
  ['setGradEnabled("no")', () => torch.setGradEnabled('no' as never), `setGradEnabled(): argument 'mode' must be a boolean, but got the string "no"`],
  ['noGrad(1)', () => torch.noGrad(1 as never), "noGrad(): argument 'fn' must be a function, but got the integer 1"],
  // tensor methods and ops
  ['size(1.5)', () => x.size(1.5), "size(): argument 'dim' must be an integer, but got the number 1.5"],
  ['stride("0")', () => x.stride('0' as never), `stride(): argument 'dim' must be an integer, but got the string "0"`],
  ['requiresGrad_("a")', () => x.clone().requiresGrad_('a' as never), `requiresGrad_(): argument 'requiresGrad' must be a boolean, but got the string "a"`],
  ['to(5)', () => x.to(5 as never), "to(): argument 'target' must be a torch.dtype, a torch.device, or the name of either, but got the integer 5"],
  ['to("float33")', () => x.to('float33'), `to(): argument 'target' must be a torch.dtype, a torch.device, or the name of either, but got the string "float33"`],
  ['add(x, "a")', () => x.add('a' as never), `add(): argument 'other' must be a Tensor, a number or a boolean, but got the string "a"`],
  // A number first is PyTorch's scalar-first form (torch.add(3, x)); a string is not.
  ['torch.add("3", x)', () => torch.add('3' as never, x), `add(): argument 'input' must be a Tensor, a number or a boolean, but got the string "3"`],
  ['add alpha', () => x.add(1, { alpha: '2' as never }), `add(): argument 'alpha' must be a number, but got the string "2"`],
  ['div roundingMode 1', () => x.div(2, { roundingMode: 1 as never }), "div(): argument 'roundingMode' must be null, 'trunc' or 'floor', but got the integer 1"],
  ['torch.exp([1])', () => torch.exp([1] as never), "exp(): argument 'input' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['torch.log1p(null)', () => torch.log1p(null as never), "log1p(): argument 'input' must be a Tensor, but got null"],
  ['mul_("a")', () => x.clone().mul_('a' as never), `mul_(): argument 'other' must be a Tensor, a number or a boolean, but got the string "a"`],
  ['sum keepdim', () => x.sum(1, 'true' as never), `sum(): argument 'keepdim' must be a boolean, but got the string "true"`],
  ['sum dim 1.5', () => x.sum(1.5), "sum(): argument 'dim' must be an integer, but got the number 1.5"],
  ['sum dims [0, "1"]', () => x.sum([0, '1'] as never), `sum(): argument 'dim' must be an integer, but got the string "1"`],
  ['argmax(0.5)', () => x.argmax(0.5), "argmax(): argument 'dim' must be an integer, but got the number 0.5"],
  ['transpose(0, "1")', () => x.transpose(0, '1' as never), `transpose(): argument 'dim1' must be an integer, but got the string "1"`],
  ['unsqueeze(null)', () => x.unsqueeze(null as never), "unsqueeze(): argument 'dim' must be an integer, but got null"],
  ['flatten(0.5)', () => x.flatten(0.5), "flatten(): argument 'startDim' must be an integer, but got the number 0.5"],
  ['cat([x], 0.5)', () => torch.cat([x], 0.5), "cat(): argument 'dim' must be an integer, but got the number 0.5"],
  ['gather dim', () => x.gather(0.5, torch.tensor([[0]])), "gather(): argument 'dim' must be an integer, but got the number 0.5"],
  ['expandAs([2, 3])', () => x.expandAs([2, 3] as never), "expandAs(): argument 'other' must be a Tensor, but got an array of length 2 (wrap it with torch.tensor(...))"],
  ['data = [1]', () => { x.clone().data = [1] as never; }, "data(): argument 'value' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['mean dtype', () => x.mean({ dtype: 'f64' }), `mean(): argument 'dtype' must be a torch.dtype (such as torch.float32) or its name, but got the string "f64"`],
  ['var unbiased', () => x.var(0, { unbiased: 'no' as never }), `var(): argument 'unbiased' must be a boolean, but got the string "no"`],
  ['norm p', () => x.norm(true as never), 'norm(): argument \'p\' must be a number, but got the boolean true'],
  ['softmax dim', () => x.softmax(1.5), "softmax(): argument 'dim' must be an integer, but got the number 1.5"],
  ['matmul([1])', () => x.matmul([1] as never), "matmul(): argument 'other' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['addmm beta', () => torch.addmm(x, x, x.t(), { beta: '1' as never }), `addmm(): argument 'beta' must be a number, but got the string "1"`],
  ['view(1.5, 4)', () => x.view(1.5, 4), "view(): argument 'size' must be a sequence of integers, but got [1.5, 4] (element 0 is the number 1.5)"],
  ['cat(x)', () => torch.cat(x as never), "cat(): argument 'tensors' must be an array of Tensors, but got a Tensor of shape [2, 3] and dtype torch.float32"],
  ['stack([x, 1])', () => torch.stack([x, 1 as never]), "stack(): argument 'tensors[1]' must be a Tensor, but got the integer 1"],
  ['maskedFill mask', () => x.maskedFill([true] as never, 1), "maskedFill(): argument 'mask' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['fill_("a")', () => x.clone().fill_('a' as never), `fill_(): argument 'value' must be a number, a boolean or a 0-d Tensor, but got the string "a"`],
  ['uniform_("a")', () => x.clone().uniform_('a' as never), `uniform_(): argument 'from' must be a number, but got the string "a"`],
  ['random_(1.5)', () => x.clone().random_(1.5), "random_(): argument 'to' must be an integer, but got the number 1.5"],
  ['clamp("a")', () => x.clamp('a' as never), `clamp(): argument 'min' must be a number, a Tensor or null, but got the string "a"`],
  // The two mistakes JS code makes most at an argument, with their fix.
  ['linear(Promise)', () => new nn.Linear(3, 2).forward(Promise.resolve(x) as never), "linear(): argument 'input' must be a Tensor, but got a Promise (did you forget await?)"],
  ['add(Promise)', () => x.add(Promise.resolve(1) as never), "add(): argument 'other' must be a Tensor, a number or a boolean, but got a Promise (did you forget await?)"],
  ['loadStateDict(Promise)', () => new nn.Linear(3, 2).loadStateDict(Promise.resolve({})), "loadStateDict(): argument 'stateDict' must be dict-like (an object or a Map of tensors), but got a Promise (did you forget await?)"],
  ['mseLoss([1, 2])', () => nn.functional.mseLoss([1, 2] as never, x), "mseLoss(): argument 'input' must be a Tensor, but got an array of length 2 (wrap it with torch.tensor(...))"],
  ['where([true], 1, 2)', () => torch.where([true] as never, 1, 2), "where(): argument 'condition' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['index({})', () => x.index({} as never), "index(): each index must be an integer, a slice string such as '1:3', null, '...' or a Tensor, but got an object of type Object"],
  ['indexSelect list', () => x.indexSelect(0, [0] as never), "index_select(): argument 'index' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  // nn
  ['Linear(2.5, 3)', () => new nn.Linear(2.5, 3), "Linear(): argument 'inFeatures' must be a non-negative integer, but got the number 2.5"],
  ['Linear(2, -1)', () => new nn.Linear(2, -1), "Linear(): argument 'outFeatures' must be a non-negative integer, but got the integer -1"],
  ['Linear bias "no"', () => new nn.Linear(2, 3, { bias: 'no' as never }), `Linear(): argument 'bias' must be a boolean, but got the string "no"`],
  ['Linear dtype', () => new nn.Linear(2, 3, { dtype: 'f32' }), `Linear(): argument 'dtype' must be a torch.dtype (such as torch.float32) or its name, but got the string "f32"`],
  ['Linear forward([1, 2])', () => new nn.Linear(2, 3)([1, 2] as never), "linear(): argument 'input' must be a Tensor, but got an array of length 2 (wrap it with torch.tensor(...))"],
  ['Embedding(10.5, 3)', () => new nn.Embedding(10.5, 3), "Embedding(): argument 'numEmbeddings' must be a non-negative integer, but got the number 10.5"],
  ['Embedding maxNorm', () => new nn.Embedding(10, 3, { maxNorm: '1' as never }), `Embedding(): argument 'maxNorm' must be a number, but got the string "1"`],
  ['Embedding paddingIdx', () => new nn.Embedding(10, 3, { paddingIdx: 1.5 }), "Embedding(): argument 'paddingIdx' must be an integer, but got the number 1.5"],
  ['F.embedding weight', () => F.embedding(torch.tensor([1]), [[1]] as never), "embedding(): argument 'weight' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['LayerNorm(2.5)', () => new nn.LayerNorm(2.5), "LayerNorm(): argument 'normalizedShape' must be a non-negative integer or an array of them, but got the number 2.5"],
  ['BatchNorm1d eps', () => new nn.BatchNorm1d(3, { eps: '1e-5' as never }), `BatchNorm1d(): argument 'eps' must be a number, but got the string "1e-5"`],
  ['ReLU inplace', () => new nn.ReLU({ inplace: 1 as never }), "ReLU(): argument 'inplace' must be a boolean, but got the integer 1"],
  ['Softmax(0.5)', () => new nn.Softmax(0.5), "Softmax(): argument 'dim' must be an integer, but got the number 0.5"],
  ['Flatten(0.5)', () => new nn.Flatten(0.5), "Flatten(): argument 'startDim' must be an integer, but got the number 0.5"],
  ['GELU approximate 1', () => new nn.GELU({ approximate: 1 as never }), "GELU(): argument 'approximate' must be one of 'none', 'tanh', but got the integer 1"],
  ['F.relu([1])', () => F.relu([1] as never), "relu(): argument 'input' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['F.leakyRelu slope', () => F.leakyRelu(x, 'a' as never), `leakyRelu(): argument 'negativeSlope' must be a number, but got the string "a"`],
  ['F.mseLoss target', () => F.mseLoss(x, [1] as never), "mseLoss(): argument 'target' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['CrossEntropyLoss ignoreIndex', () => new nn.CrossEntropyLoss({ ignoreIndex: 0.5 }), "CrossEntropyLoss(): argument 'ignoreIndex' must be an integer, but got the number 0.5"],
  ['BCEWithLogitsLoss posWeight', () => new nn.BCEWithLogitsLoss({ posWeight: [3] as never }), "BCEWithLogitsLoss(): argument 'posWeight' must be a Tensor or null, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['init.uniform_([1])', () => init.uniform_([1] as never), "uniform_(): argument 'tensor' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['init.normal_ std', () => init.normal_(torch.empty(2), 0, '1' as never), `normal_(): argument 'std' must be a number, but got the string "1"`],
  ['init.dirac_ groups', () => init.dirac_(torch.empty(2, 2, 3), 1.5), "dirac_(): argument 'groups' must be an integer, but got the number 1.5"],
  ['init.sparse_ no sparsity', () => init.sparse_(torch.empty(2, 2), {} as never), "sparse_(): argument 'sparsity' must be a number, but got undefined"],
  ['Parameter(3)', () => new nn.Parameter(3 as never), "Parameter(): argument 'data' must be a Tensor, but got the integer 3"],
  ['loadStateDict([])', () => new nn.Linear(2, 2).loadStateDict([] as never), "loadStateDict(): argument 'stateDict' must be dict-like (an object or a Map of tensors), but got an array of length 0"],
  ['loadStateDict strict', () => new nn.Linear(2, 2).loadStateDict({}, { strict: 'no' as never }), `loadStateDict(): argument 'strict' must be a boolean, but got the string "no"`],
  ['registerBuffer persistent', () => new nn.Module().registerBuffer('b', x, { persistent: 0 as never }), "registerBuffer(): argument 'persistent' must be a boolean, but got the integer 0"],
  ['parameters({ recurse })', () => new nn.Linear(2, 2).parameters({ recurse: false } as never), "namedParameters(): argument 'recurse' must be a boolean, but got an object of type Object"],
  ['Module.to(5)', () => new nn.Linear(2, 2).to(5 as never), "Module.to(): argument 'target' must be a torch.dtype, a torch.device, a device string or { dtype, device }, but got the integer 5"],
  ['apply(1)', () => new nn.Linear(2, 2).apply(1 as never), "apply(): argument 'fn' must be a function, but got the integer 1"],
  ['ModuleList(3)', () => new nn.ModuleList(3 as never), "ModuleList(): argument 'modules' must be an iterable (such as an array), but got the integer 3"],
  // utils.data
  ['DataLoader(3)', () => new DataLoader(3 as never), "DataLoader(): argument 'dataset' must be a dataset (an object with at(index) and length, such as an array), but got the integer 3"],
  ['DataLoader collateFn', () => new DataLoader([1], { collateFn: 1 as never }), "DataLoader(): argument 'collateFn' must be a function, but got the integer 1"],
  ['TensorDataset([1])', () => new TensorDataset(x, [1] as never), "TensorDataset(): argument 'tensors[1]' must be a Tensor, but got an array of length 1 (wrap it with torch.tensor(...))"],
  ['Subset indices', () => new Subset([1, 2], 0 as never), "Subset(): argument 'indices' must be an array of integers, but got the integer 0"],
  ['randomSplit lengths', () => randomSplit([1, 2], ['1'] as never), "randomSplit(): argument 'lengths' must be an array of numbers, but got an array of length 1"],
  // torch.cuda
  ['cuda.manualSeed', () => torch.cuda.manualSeed('1' as never), `cuda.manualSeed(): argument 'seed' must be a safe integer or a bigint, but got the string "1"`],
  ['cuda.manualSeedAll', () => torch.cuda.manualSeedAll(0.5), "cuda.manualSeedAll(): argument 'seed' must be a safe integer or a bigint, but got the number 0.5"],
  ['cuda.synchronize(1.5)', () => torch.cuda.synchronize(1.5), "synchronize(): argument 'device' must be an integer, but got the number 1.5"],
  ['cuda.memoryAllocated({})', () => torch.cuda.memoryAllocated({} as never), "memoryAllocated(): argument 'device' must be a torch.device or a device string such as 'cpu' or 'cuda:0', but got an object of type Object"],
];

describe('a wrong-typed argument is a TypeError that says what was expected and what was found', () => {
  it.each(typeCases)('%s', (_name, call, message) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(message);
  });
});

/** [call, error class, exact message]: values of the right type that PyTorch refuses, in PyTorch's words. */
const valueCases: [string, () => unknown, ErrorConstructor, string][] = [
  ['zeros(-1, 3)', () => torch.zeros(-1, 3), RangeError, 'Trying to create tensor with negative dimension -1: [-1, 3]'],
  ['Linear-sized empty', () => torch.empty([3, -2]), RangeError, 'Trying to create tensor with negative dimension -2: [3, -2]'],
  ['eye(-1)', () => torch.eye(-1), Error, 'n must be greater or equal to 0, got -1'],
  ['eye(2, -1)', () => torch.eye(2, -1), Error, 'm must be greater or equal to 0, got -1'],
  ['arange(Infinity)', () => torch.arange(Infinity), Error, 'unsupported range: 0 -> Infinity'],
  ['view(-2, 3)', () => x.view(-2, 3), Error, 'invalid shape dimension -2'],
  ['size(2)', () => x.size(2), RangeError, 'Dimension out of range (expected to be in range of [-2, 1], but got 2)'],
  ['0-d size(0)', () => torch.tensor(1.5).size(0), RangeError, 'Dimension specified as 0 but tensor has no dimensions'],
  ['div roundingMode up', () => x.div(2, { roundingMode: 'up' as never }), Error, "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'up'"],
  ['bernoulli_(1.5)', () => x.clone().bernoulli_(1.5), Error, 'bernoulli_ expects p to be in [0, 1], but got p=1.5'],
  ['norm "nuc"', () => x.norm('nuc' as never), Error, "norm(): p='nuc' (the nuclear norm) is not supported"],
  ['gelu approximate fast', () => F.gelu(x, { approximate: 'fast' as never }), Error, 'approximate argument must be either none or tanh.'],
  ['GELU approximate fast', () => new nn.GELU({ approximate: 'fast' as never }), Error, `GELU(): argument 'approximate' must be one of 'none', 'tanh', but got the string "fast"`],
  ['MSELoss reduction avg', () => new nn.MSELoss({ reduction: 'avg' as never }), Error, 'avg is not a valid value for reduction'],
  ['F.crossEntropy reduction avg', () => F.crossEntropy(x, torch.tensor([0, 1]), { reduction: 'avg' as never }), Error, 'avg is not a valid value for reduction'],
  ['Embedding paddingIdx 10', () => new nn.Embedding(10, 3, { paddingIdx: 10 }), Error, 'Padding_idx must be within num_embeddings'],
  [
    'Embedding sparse',
    () => new nn.Embedding(10, 3, { sparse: true }),
    Error,
    'Embedding(): sparse gradients are not supported by flint; use sparse: false (the default), which gives the same values as a dense gradient',
  ],
  [
    'F.embedding sparse',
    () => F.embedding(torch.tensor([1]), x, { sparse: true }),
    Error,
    'embedding(): sparse gradients are not supported by flint; use sparse: false (the default), which gives the same values as a dense gradient',
  ],
  ['F.embedding 1-D weight', () => F.embedding(torch.tensor([1]), torch.ones(3)), Error, "'weight' must be 2-D"],
  ['F.embedding paddingIdx twice', () => F.embedding(torch.tensor([1]), x, 0, { paddingIdx: 1 }), TypeError, "embedding() got multiple values for argument 'paddingIdx'"],
  ['fromPretrained 1-D', () => nn.Embedding.fromPretrained(torch.ones(3)), Error, 'Embeddings parameter is expected to be 2-dimensional'],
  ['Embedding _weight shape', () => new nn.Embedding(3, 2, { _weight: torch.ones(2, 3) }), Error, 'Shape of weight does not match num_embeddings and embedding_dim'],
  ['DataLoader numWorkers -1', () => new DataLoader([1], { numWorkers: -1 }), RangeError, 'num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.'],
  ['setNumThreads(0)', () => torch.setNumThreads(0), RangeError, 'set_num_threads expects a positive integer'],
];

describe("values PyTorch refuses are refused with PyTorch's message", () => {
  it.each(valueCases)('%s', (_name, call, kind, message) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe(message);
  });
});

describe('the options each entry point does take still work', () => {
  it('dtype by name, and null for "the default" as Python None', () => {
    expect(torch.zeros(2, { dtype: 'float64' }).dtype).toBe(torch.float64);
    expect(torch.zeros(2, { dtype: 'torch.int32' }).dtype).toBe(torch.int32);
    expect(torch.ones(2, { dtype: null, device: null }).dtype).toBe(torch.float32);
    expect(x.sum(1, { keepdim: true, dtype: 'float64' }).dtype).toBe(torch.float64);
    expect(x.sum(1, { keepdim: true, dtype: 'float64' }).shape).toEqual([2, 1]);
    expect(x.mean({ dtype: 'float64' }).dtype).toBe(torch.float64);
    expect(x.softmax(1, { dtype: 'float64' }).dtype).toBe(torch.float64);
    expect(x.to('float64').dtype).toBe(torch.float64);
    expect(x.to('cpu').device).toBe(torch.device('cpu'));
  });

  it('prod honours dtype (it was ignored), with its gradient', () => {
    const a = torch.tensor([1.5, 2, 3], { requiresGrad: true });
    const p = a.prod({ dtype: torch.float64 });
    expect(p.dtype).toBe(torch.float64);
    expect(p.item()).toBe(9);
    p.backward();
    expect(Array.from(a.grad!.dataSync() as Float32Array)).toEqual([6, 4.5, 3]);
  });

  it('Module.to takes a dtype name and { dtype, device }', () => {
    const layer = new nn.Linear(2, 2);
    expect(layer.to('float64').weight.dtype).toBe(torch.float64);
    expect(layer.to({ dtype: 'float32', device: 'cpu' }).weight.dtype).toBe(torch.float32);
  });

  it('numWorkers: 0 is the default and is accepted', () => {
    const loader = new DataLoader([1, 2, 3], { batchSize: 2, numWorkers: 0 });
    expect([...loader].map((b) => (b as torch.Tensor).tolist())).toEqual([[1, 2], [3]]);
  });

  it('describeValue says the type and, when short, the value', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(true)).toBe('the boolean true');
    expect(describeValue(3n)).toBe('the bigint 3n');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(new Map())).toBe('an object of type Map');
    expect(describeValue('x'.repeat(50))).toBe(`the string "${'x'.repeat(40)}…"`);
  });
});

describe('a class-index loss given targets of another dtype says the fix after PyTorch\'s message', () => {
  it('int32 targets (crossEntropy) and float targets (nllLoss)', () => {
    expect(() => nn.functional.crossEntropy(torch.zeros([2, 3]), torch.tensor([0, 1], { dtype: torch.int32 }))).toThrow(
      'expected scalar type Long but found Int (class-index targets must be int64: use target.long())',
    );
    expect(() => nn.functional.nllLoss(torch.zeros([2, 3]), torch.tensor([0.5, 1.5]))).toThrow(
      "expected scalar type Long but found Float (class-index targets must be int64: use target.long(); class probabilities must have the input's shape)",
    );
  });
});
