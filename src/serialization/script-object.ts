/**
 * PyTorch's `torch.ScriptObject` as a checkpoint holds it: a TorchBind object (a C++ class
 * such as the packed weights of quantized layers) pickled as its class's qualified name and
 * the state its `__getstate__` returned. flint reads and writes the state as data; the
 * quantized modules turn it into their own objects (src/quantization/).
 */

/** TorchBind classes whose state flint reads: the packed weights of dynamically quantized layers. */
export const KNOWN_SCRIPT_OBJECTS = new Set([
  '__torch__.torch.classes.quantized.LinearPackedParamsBase',
  '__torch__.torch.classes.rnn.CellParamsBase',
]);

/**
 * A TorchBind object's qualified class name and state. `state` is written as a Python tuple,
 * and the arrays inside it as lists, as PyTorch's `__getstate__` returns them.
 * @example new ScriptObject('__torch__.torch.classes.quantized.LinearPackedParamsBase', [qweight, bias])
 */
export class ScriptObject {
  constructor(
    /** The class, as `__torch__.torch.classes.<namespace>.<Name>`. */
    readonly qualifiedName: string,
    /** What the class's `__getstate__` returned. */
    readonly state: unknown[],
  ) {}

  toString(): string {
    return `ScriptObject(${this.qualifiedName})`;
  }
}
