import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InferenceSession, type Tensor } from 'onnxruntime-node';
import { describeSession, type SessionDescription } from './metadata.js';
import { cudaFailure, cudaPlatformSupported, cudaProviderInstalled, providerChain, type ExecutionProviderName } from './providers.js';

export interface OnnxSessionOptions {
  provider?: ExecutionProviderName;
  /** Threads inside one operator; default: ORT's choice (all cores). */
  intraOpThreads?: number;
  /** Threads across independent operators (only used by parallel execution). */
  interOpThreads?: number;
  /**
   * Let idle pool threads spin-wait for work (ORT's default). Off by default here: spinning
   * threads compete with Node's main thread and V8's helpers for the same cores, which on a
   * 2-core machine made a 4-step SDXL fixture render twice as slow.
   */
  spinning?: boolean;
  cudaDeviceId?: number;
  /** Where load details are reported; default: console.warn. */
  log?: (message: string) => void;
}

/** Mutable accumulator of ONNX Runtime run time, shared by the runs of one job. */
export interface RunTiming {
  ms: number;
  runs: number;
}

export function newRunTiming(): RunTiming {
  return { ms: 0, runs: 0 };
}

export interface OnnxModel {
  readonly path: string;
  /** The provider the session actually runs on (after any fallback). */
  readonly provider: ExecutionProviderName;
  readonly description: SessionDescription;
  readonly session: InferenceSession;
  /** session.run with its wall time added to `timing`; returns the requested outputs. */
  run(feeds: Record<string, Tensor>, timing?: RunTiming, outputNames?: readonly string[]): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

function baseOptions(opts: OnnxSessionOptions): InferenceSession.SessionOptions {
  const o: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (opts.intraOpThreads && opts.intraOpThreads > 0) o.intraOpNumThreads = opts.intraOpThreads;
  if (opts.interOpThreads && opts.interOpThreads > 0) o.interOpNumThreads = opts.interOpThreads;
  const spin = opts.spinning ? '1' : '0';
  o.extra = { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } };
  return o;
}

/**
 * Loads a model from its path (never a buffer): ORT then resolves external weights by whatever
 * file name the graph refers to (weights.pb, model.onnx_data, model.onnx.data).
 * A CUDA request that cannot start throws ExecutionProviderError (never a silent CPU fallback:
 * an operator who asked for the GPU must learn it is not in use).
 */
export async function loadOnnxModel(modelPath: string, opts: OnnxSessionOptions = {}): Promise<OnnxModel> {
  if (!existsSync(modelPath)) throw new Error(`ONNX model not found: ${modelPath}`);
  const provider = opts.provider ?? 'cpu';
  if (provider === 'cuda' && (!cudaPlatformSupported() || !cudaProviderInstalled())) throw cudaFailure(new Error('not installed'));
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelPath, {
      ...baseOptions(opts),
      executionProviders: providerChain(provider, opts.cudaDeviceId ?? 0),
    });
  } catch (err) {
    if (provider === 'cpu') throw err;
    throw cudaFailure(err);
  }
  return wrap(modelPath, session, provider);
}

function wrap(path: string, session: InferenceSession, provider: ExecutionProviderName): OnnxModel {
  const description = describeSession(session);
  let released = false;
  return {
    path,
    provider,
    description,
    session,
    async run(feeds, timing, outputNames) {
      if (released) throw new Error(`session for ${path} was released`);
      const t0 = performance.now();
      // Fetching only the needed outputs spares copying e.g. SDXL's 33 hidden-state tensors.
      const out = outputNames ? await session.run(feeds, [...outputNames]) : await session.run(feeds);
      if (timing) {
        timing.ms += performance.now() - t0;
        timing.runs++;
      }
      return out;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
