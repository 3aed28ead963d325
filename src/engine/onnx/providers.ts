import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';
import { GraphBuilder } from '../diffusion/fixture/graph-builder.js';

export type ExecutionProviderName = 'cpu' | 'cuda';

/** The command that installs onnxruntime-node's CUDA provider libraries (src/cli/gpu.ts). */
export const GPU_SETUP_COMMAND = 'npx opensoul gpu setup';

/**
 * Whether this onnxruntime-node build lists a CUDA backend. The prebuilt package lists it even
 * when the CUDA libraries were skipped at install, so it says nothing about whether CUDA works.
 */
export function cudaListed(): boolean {
  try {
    return listSupportedBackends().some((b) => b.name === 'cuda');
  } catch {
    return false;
  }
}

/** onnxruntime-node's native folder for this platform, where its installer puts the CUDA provider. */
export function onnxRuntimeBinDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** The CUDA provider library onnxruntime-node loads for `cuda` (skipped at npm install unless approved). */
export function cudaProviderLibrary(): string {
  return path.join(
    onnxRuntimeBinDir(),
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so',
  );
}

export function cudaProviderInstalled(): boolean {
  return existsSync(cudaProviderLibrary());
}

/** Only these platforms have CUDA provider builds of onnxruntime-node. */
export function cudaPlatformSupported(): boolean {
  return process.arch === 'x64' && (process.platform === 'linux' || process.platform === 'win32');
}

/** The requested provider cannot run here; the message says why and what fixes it. */
export class ExecutionProviderError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message}; ${fix}`);
    this.name = 'ExecutionProviderError';
  }
}

/** The provider list for a request: exactly what was asked for, never a silent CPU fallback. */
export function providerChain(requested: ExecutionProviderName, deviceId = 0): Array<string | { name: 'cuda'; deviceId: number }> {
  return requested === 'cuda' ? [{ name: 'cuda', deviceId }] : ['cpu'];
}

/** Explains a failed CUDA session: missing provider files first, since that is the common case. */
export function cudaFailure(err: unknown): ExecutionProviderError {
  const first = String((err as Error)?.message ?? err).split('\n')[0];
  if (!cudaPlatformSupported()) {
    return new ExecutionProviderError(
      `OPENSOUL_EXECUTION_PROVIDER=cuda: onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`,
      'unset it to run on the CPU',
    );
  }
  if (!cudaProviderInstalled()) {
    return new ExecutionProviderError(
      `OPENSOUL_EXECUTION_PROVIDER=cuda but onnxruntime-node's CUDA provider is not installed (${cudaProviderLibrary()} is missing)`,
      `install it with: ${GPU_SETUP_COMMAND}`,
    );
  }
  return new ExecutionProviderError(
    `OPENSOUL_EXECUTION_PROVIDER=cuda: the CUDA provider failed to start (${first})`,
    'it needs an NVIDIA driver, the CUDA 12 runtime and cuDNN 9 on the library path (LD_LIBRARY_PATH); check with: npx opensoul gpu check',
  );
}

/** A one-node graph (y = x + 1) small enough to open on any provider in milliseconds. */
function probeGraph(): Uint8Array {
  const g = new GraphBuilder(1);
  g.input('x', 'float32', [1]);
  g.output('y', 'float32', [1]);
  g.op('Add', ['x', g.constFloat([1], [1])], {}, 'y');
  return g.encode('provider_probe');
}

/**
 * Opens a session on exactly `provider` and runs it once. Throws ExecutionProviderError for
 * CUDA that cannot start, so a process asked for the GPU refuses to start rather than run on CPU.
 */
export async function verifyExecutionProvider(provider: ExecutionProviderName, deviceId = 0): Promise<ExecutionProviderName> {
  if (provider === 'cpu') return 'cpu';
  if (!cudaPlatformSupported() || !cudaProviderInstalled()) throw cudaFailure(new Error('not installed'));
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(probeGraph(), { executionProviders: providerChain(provider, deviceId), logSeverityLevel: 3 });
  } catch (err) {
    throw cudaFailure(err);
  }
  await session.release();
  return provider;
}
