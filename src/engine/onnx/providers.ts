import { listSupportedBackends } from 'onnxruntime-node';

export type ExecutionProviderName = 'cpu' | 'cuda';

/**
 * Whether this onnxruntime-node build lists a CUDA backend. The prebuilt package lists it even
 * when the CUDA libraries were skipped at install, so creating a session can still fail: callers
 * fall back to CPU then.
 */
export function cudaListed(): boolean {
  try {
    return listSupportedBackends().some((b) => b.name === 'cuda');
  } catch {
    return false;
  }
}

/** The provider list to try first for a requested provider; CPU always stays as the last resort. */
export function providerChain(requested: ExecutionProviderName, deviceId = 0): Array<string | { name: 'cuda'; deviceId: number }> {
  return requested === 'cuda' ? [{ name: 'cuda', deviceId }, 'cpu'] : ['cpu'];
}
