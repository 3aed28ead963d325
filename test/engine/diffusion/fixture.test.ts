import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureModel } from '../../../src/engine/diffusion/fixture/index.js';
import { ClipTokenizer } from '../../../src/engine/diffusion/tokenizer/clip-tokenizer.js';
import {
  floatInput,
  idsInput,
  loadOnnxModel,
  timestepInput,
  toFloat32,
  type OnnxModel,
  type SessionDescription,
} from '../../../src/engine/onnx/index.js';

const root = mkdtempSync(join(tmpdir(), 'opensoul-fixture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sig = (d: SessionDescription) => ({
  inputs: Object.fromEntries(d.inputs.map((i) => [i.name, `${i.dtype}[${i.shape.join(',')}]`])),
  outputs: Object.fromEntries(d.outputs.map((o) => [o.name, `${o.dtype}[${o.shape.join(',')}]`])),
});

async function open(dir: string, component: string): Promise<OnnxModel> {
  return loadOnnxModel(join(dir, component, 'model.onnx'), { intraOpThreads: 1 });
}

describe('makeFixtureModel sd', () => {
  const dir = join(root, 'sd');
  beforeAll(() => makeFixtureModel(dir, 'sd', { taesd: true }));

  it('writes the complete diffusers ONNX layout', () => {
    for (const f of [
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/model.onnx',
      'text_encoder/config.json',
      'unet/model.onnx',
      'unet/config.json',
      'vae_encoder/model.onnx',
      'vae_decoder/model.onnx',
      'vae_decoder/config.json',
      'taesd_decoder/model.onnx',
      'taesd_encoder/model.onnx',
      'tokenizer/vocab.json',
      'tokenizer/merges.txt',
      'tokenizer/special_tokens_map.json',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const index = JSON.parse(readFileSync(join(dir, 'model_index.json'), 'utf8'));
    expect(index.unet).toEqual(['optimum', 'ORTModelUnet']);
    const sched = JSON.parse(readFileSync(join(dir, 'scheduler/scheduler_config.json'), 'utf8'));
    expect(sched).toMatchObject({ _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing', prediction_type: 'epsilon' });
  });

  it("has the real exports' tensor names, dtypes and ranks", async () => {
    const te = await open(dir, 'text_encoder');
    expect(sig(te.description)).toEqual({
      inputs: { input_ids: 'int32[batch_size,sequence_length]' },
      outputs: { last_hidden_state: 'float32[batch_size,sequence_length,32]', pooler_output: 'float32[batch_size,32]' },
    });
    const unet = await open(dir, 'unet');
    expect(sig(unet.description)).toEqual({
      inputs: {
        sample: 'float32[batch_size,4,height,width]',
        timestep: 'float32[]',
        encoder_hidden_states: 'float32[batch_size,sequence_length,32]',
      },
      outputs: { out_sample: 'float32[batch_size,4,height,width]' },
    });
    expect(sig((await open(dir, 'vae_encoder')).description).outputs).toEqual({
      latent_parameters: 'float32[batch_size,8,latent_height,latent_width]',
    });
    expect(sig((await open(dir, 'vae_decoder')).description)).toEqual({
      inputs: { latent_sample: 'float32[batch_size,4,latent_height,latent_width]' },
      outputs: { sample: 'float32[batch_size,3,height,width]' },
    });
    expect(sig((await open(dir, 'taesd_decoder')).description).outputs).toEqual({ sample: 'float32[batch_size,3,height,width]' });
  });

  it('computes outputs that depend on their inputs', async () => {
    const te = await open(dir, 'text_encoder');
    const tok = await ClipTokenizer.fromDirectory(join(dir, 'tokenizer'));
    expect(tok.padTokenId).toBe(0); // SD-Turbo-like tokenizer pads with "!"
    const embed = async (p: string) =>
      toFloat32((await te.run({ input_ids: idsInput(te.description.inputs[0], tok.encodePadded(p), [1, 77]) })).last_hidden_state);
    const a = await embed('a red fox');
    expect(a).toHaveLength(77 * 32);
    expect(a).not.toEqual(await embed('a blue whale'));
    expect(a).toEqual(await embed('a red fox'));

    const unet = await open(dir, 'unet');
    const get = (n: string) => unet.description.inputs.find((i) => i.name === n)!;
    const run = async (t: number, fill: number) =>
      toFloat32(
        (
          await unet.run({
            sample: floatInput(get('sample'), new Float32Array(4 * 8 * 8).fill(fill), [1, 4, 8, 8]),
            timestep: timestepInput(get('timestep'), t, 1),
            encoder_hidden_states: floatInput(get('encoder_hidden_states'), a, [1, 77, 32]),
          })
        ).out_sample,
      );
    const base = await run(999, 0.5);
    expect(base.every(Number.isFinite)).toBe(true);
    expect(base).not.toEqual(await run(499, 0.5));
    expect(base).not.toEqual(await run(999, -0.5));
  });
});

describe('makeFixtureModel variants', () => {
  it('sdxl: two encoders with hidden states and projection, text_embeds/time_ids on the UNet', async () => {
    const dir = join(root, 'sdxl');
    await makeFixtureModel(dir, 'sdxl');
    const te1 = sig((await open(dir, 'text_encoder')).description).outputs;
    expect(Object.keys(te1)).toEqual([
      'last_hidden_state',
      'pooler_output',
      'hidden_states.0',
      'hidden_states.1',
      'hidden_states.2',
      'hidden_states.3',
    ]);
    const te2 = sig((await open(dir, 'text_encoder_2')).description).outputs;
    expect(Object.keys(te2).slice(0, 2)).toEqual(['text_embeds', 'last_hidden_state']);
    expect(te2.text_embeds).toBe('float32[batch_size,40]');
    const unet = sig((await open(dir, 'unet')).description).inputs;
    expect(unet).toMatchObject({
      encoder_hidden_states: 'float32[batch_size,sequence_length,80]',
      text_embeds: 'float32[batch_size,40]',
      time_ids: 'float32[batch_size,6]',
    });
    expect(existsSync(join(dir, 'tokenizer_2/vocab.json'))).toBe(true);
    expect((await ClipTokenizer.fromDirectory(join(dir, 'tokenizer'))).padTokenId).toBe(49407);
    expect((await ClipTokenizer.fromDirectory(join(dir, 'tokenizer_2'))).padTokenId).toBe(0);
  });

  it('lcm: timestep_cond; int64 [B] timestep; latent_sample encoder', async () => {
    const dir = join(root, 'lcm');
    await makeFixtureModel(dir, 'lcm', { timestep: 'int64', vaeEncoderOutput: 'latent_sample' });
    const unet = sig((await open(dir, 'unet')).description).inputs;
    expect(unet).toMatchObject({ timestep: 'int64[steps]', timestep_cond: 'float32[batch_size,256]' });
    expect(sig((await open(dir, 'vae_encoder')).description).outputs).toEqual({
      latent_sample: 'float32[batch_size,4,latent_height,latent_width]',
    });
    expect(JSON.parse(readFileSync(join(dir, 'scheduler/scheduler_config.json'), 'utf8'))._class_name).toBe('LCMScheduler');
  });

  it('fp16: float16 interfaces and half-size weights; same seed gives identical files', async () => {
    const a = join(root, 'fp16a');
    const b = join(root, 'fp16b');
    await makeFixtureModel(a, 'sd', { fp16: true, seed: 5, timestep: 'float16' });
    await makeFixtureModel(b, 'sd', { fp16: true, seed: 5, timestep: 'float16' });
    const unet = sig((await open(a, 'unet')).description);
    expect(unet.inputs).toMatchObject({
      sample: 'float16[batch_size,4,height,width]',
      timestep: 'float16[]',
      encoder_hidden_states: 'float16[batch_size,sequence_length,32]',
    });
    expect(unet.outputs.out_sample).toBe('float16[batch_size,4,height,width]');
    expect(sig((await open(a, 'text_encoder')).description).outputs.last_hidden_state).toMatch(/^float16/);
    expect(readFileSync(join(a, 'unet/model.onnx'))).toEqual(readFileSync(join(b, 'unet/model.onnx')));
    const c = join(root, 'fp16c');
    await makeFixtureModel(c, 'sd', { fp16: true, seed: 6, timestep: 'float16' });
    expect(readFileSync(join(a, 'unet/model.onnx'))).not.toEqual(readFileSync(join(c, 'unet/model.onnx')));
  });
});
