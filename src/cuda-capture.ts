/**
 * Whether a CUDA graph capture is under way: a leaf module, so that the optimizers can ask
 * without loading torch.cuda's graph code. @internal
 */
let capturingCode = -1;

/** The device code of the graph being captured, or -1. @internal */
export function capturingDeviceCode(): number {
  return capturingCode;
}

/** Whether a CUDA graph capture is under way. @internal */
export function captureUnderway(): boolean {
  return capturingCode >= 0;
}

/** Set by CUDAGraph.captureBegin / captureEnd. @internal */
export function setCapturingDeviceCode(code: number): void {
  capturingCode = code;
}
