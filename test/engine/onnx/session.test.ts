import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildUnet } from '../../../src/engine/diffusion/fixture/unet-graph.js';
import {
  floatInput,
  idsInput,
  loadOnnxModel,
  newRunTiming,
  timestepInput,
  toFloat32,
  type TensorInfo,
  cudaProviderInstalled,
  ExecutionProviderError,
  verifyExecutionProvider,
} from '../../../src/engine/onnx/index.js';
import { halfBitsToFloat32 } from '../../../src/engine/onnx/fp16.js';

const dir = mkdtempSync(join(tmpdir(), 'opensoul-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeUnet(name: string, timestep: 'int64' | 'float' | 'float16', shape: 'scalar' | 'batch', fp16 = false): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, buildUnet({ seed: 3, fp16, timestep, timestepShape: shape, crossDim: 8, channels: 4 }));
  return path;
}

describe('timestepInput', () => {
  const info = (dtype: TensorInfo['dtype'], shape: TensorInfo['shape']): TensorInfo => ({ name: 'timestep', dtype, shape });
  it('follows the declared dtype and rank', () => {
    const a = timestepInput(info('int64', ['steps']), 999, 2);
    expect(a.type).toBe('int64');
    expect(a.dims).toEqual([2]);
    expect(Array.from(a.data as BigInt64Array)).toEqual([999n, 999n]);
    const b = timestepInput(info('float32', []), 499.5, 4);
    expect(b.dims).toEqual([]);
    expect(Array.from(b.data as Float32Array)).toEqual([499.5]);
    const c = timestepInput(info('float16', ['batch']), 999, 1);
    expect(c.type).toBe('float16');
    expect(halfBitsToFloat32((c.data as Uint16Array)[0])).toBe(999);
    // A fixed [1] wins over the batch (exports traced with batch 1).
    expect(timestepInput(info('float32', [1]), 10, 4).dims).toEqual([1]);
  });
});

describe('loadOnnxModel', () => {
  it('reads names, dtypes and shapes from the session metadata', async () => {
    const m = await loadOnnxModel(writeUnet('int64', 'int64', 'batch'), { intraOpThreads: 1 });
    const byName = Object.fromEntries(m.description.inputs.map((i) => [i.name, i]));
    expect(byName.sample).toEqual({ name: 'sample', dtype: 'float32', shape: ['batch_size', 4, 'height', 'width'] });
    expect(byName.timestep).toEqual({ name: 'timestep', dtype: 'int64', shape: ['steps'] });
    expect(byName.encoder_hidden_states.shape).toEqual(['batch_size', 'sequence_length', 8]);
    expect(m.description.outputs.map((o) => o.name)).toEqual(['out_sample']);
    expect(m.provider).toBe('cpu');
    await m.release();
  });

  it('runs float16 graphs and accumulates run time', async () => {
    const m = await loadOnnxModel(writeUnet('fp16', 'float16', 'scalar', true), { intraOpThreads: 1 });
    const get = (n: string) => m.description.inputs.find((i) => i.name === n)!;
    expect(get('sample').dtype).toBe('float16');
    expect(get('timestep')).toEqual({ name: 'timestep', dtype: 'float16', shape: [] });
    const timing = newRunTiming();
    const feeds = (t: number) => ({
      sample: floatInput(get('sample'), new Float32Array(2 * 4 * 4 * 4).fill(0.5), [2, 4, 4, 4]),
      timestep: timestepInput(get('timestep'), t, 2),
      encoder_hidden_states: floatInput(get('encoder_hidden_states'), new Float32Array(2 * 77 * 8).fill(0.1), [2, 77, 8]),
    });
    const a = await m.run(feeds(999), timing);
    const b = await m.run(feeds(1), timing, ['out_sample']);
    expect(a.out_sample.type).toBe('float16');
    expect(a.out_sample.dims).toEqual([2, 4, 4, 4]);
    expect(toFloat32(a.out_sample)).not.toEqual(toFloat32(b.out_sample));
    expect(timing.runs).toBe(2);
    expect(timing.ms).toBeGreaterThan(0);
    await m.release();
    await expect(m.run(feeds(1))).rejects.toThrow(/released/);
  });

  // Which outcome is right is decided from the files on disk, not from what the load returned:
  // with the provider libraries absent the load must refuse (naming the setup command); with
  // them present (a GPU machine after `opensoul gpu setup`) the session must run on CUDA.
  it('runs on CUDA only when its provider is installed, and otherwise refuses loudly', async () => {
    const path = writeUnet('cuda', 'float', 'scalar');
    if (!cudaProviderInstalled()) {
      await expect(loadOnnxModel(path, { provider: 'cuda', intraOpThreads: 1 })).rejects.toThrow(ExecutionProviderError);
      await expect(loadOnnxModel(path, { provider: 'cuda', intraOpThreads: 1 })).rejects.toThrow(
        /CUDA provider is not installed.*npx opensoul gpu setup/,
      );
      await expect(verifyExecutionProvider('cuda')).rejects.toThrow(/npx opensoul gpu setup/);
    } else {
      const m = await loadOnnxModel(path, { provider: 'cuda', intraOpThreads: 1 });
      expect(m.provider).toBe('cuda');
      await m.release();
      await expect(verifyExecutionProvider('cuda')).resolves.toBe('cuda');
    }
    await expect(verifyExecutionProvider('cpu')).resolves.toBe('cpu');
  });

  it('rejects token ids of the wrong dtype and missing files clearly', async () => {
    expect(() => idsInput({ name: 'input_ids', dtype: 'float32', shape: [] }, new Int32Array(2), [1, 2])).toThrow(/int32 or int64/);
    expect(idsInput({ name: 'input_ids', dtype: 'int64', shape: [] }, Int32Array.of(49406, 49407), [1, 2]).data).toEqual(
      BigInt64Array.of(49406n, 49407n),
    );
    await expect(loadOnnxModel(join(dir, 'absent.onnx'))).rejects.toThrow(/not found/);
  });
});
