import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFamily, FAMILIES } from '../../../src/engine/diffusion/families.js';
import { makeFixtureModel } from '../../../src/engine/diffusion/fixture/index.js';
import { loadDiffusionModel, ModelFolderError } from '../../../src/engine/diffusion/model-loader.js';
import { missingModelFiles } from '../../../src/engine/diffusion/model-files.js';

const root = mkdtempSync(join(tmpdir(), 'opensoul-loader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('detectFamily', () => {
  const sd = ['sample', 'timestep', 'encoder_hidden_states'];
  it('tells the families apart from what a folder shows', () => {
    expect(
      detectFamily({
        modelIndex: { _class_name: 'StableDiffusionPipeline' },
        schedulerConfig: { _class_name: 'PNDMScheduler' },
        unetInputs: sd,
        hasTextEncoder2: false,
      }).id,
    ).toBe('sd');
    expect(detectFamily({ modelIndex: { _name_or_path: 'stabilityai/sd-turbo' }, unetInputs: sd, hasTextEncoder2: false }).id).toBe(
      'sd-turbo',
    );
    expect(
      detectFamily({
        modelIndex: {},
        schedulerConfig: { _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' },
        unetInputs: sd,
        hasTextEncoder2: false,
      }).id,
    ).toBe('sd-turbo');
    expect(detectFamily({ modelIndex: { _class_name: 'LatentConsistencyModelPipeline' }, unetInputs: sd, hasTextEncoder2: false }).id).toBe(
      'lcm',
    );
    expect(detectFamily({ modelIndex: {}, unetInputs: [...sd, 'timestep_cond'], hasTextEncoder2: false }).id).toBe('lcm');
    expect(
      detectFamily({
        modelIndex: { _class_name: 'ORTStableDiffusionXLPipeline' },
        schedulerConfig: { _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'leading' },
        unetInputs: [...sd, 'text_embeds', 'time_ids'],
        hasTextEncoder2: true,
      }).id,
    ).toBe('sdxl');
    expect(
      detectFamily({
        modelIndex: { _name_or_path: 'stabilityai/sdxl-turbo' },
        unetInputs: [...sd, 'text_embeds', 'time_ids'],
        hasTextEncoder2: true,
      }).id,
    ).toBe('sdxl-turbo');
  });

  it('keeps the per-family constants of engine-facts §1.3-1.4 and §2', () => {
    expect(FAMILIES['sd-turbo']).toMatchObject({ vaeScalingFactor: 0.18215, padToken: '!', defaultGuidance: 0, nativeSize: 512 });
    expect(FAMILIES.sd).toMatchObject({ padToken: '<|endoftext|>', predictionType: 'epsilon' });
    expect(FAMILIES.sdxl).toMatchObject({
      vaeScalingFactor: 0.13025,
      padToken: '<|endoftext|>',
      padToken2: '!',
      nativeSize: 1024,
      zeroNegativeForEmptyPrompt: true,
    });
    expect(FAMILIES['sdxl-turbo'].schedulerDefaults).toMatchObject({
      _class_name: 'EulerAncestralDiscreteScheduler',
      timestep_spacing: 'trailing',
    });
    expect(FAMILIES.lcm).toMatchObject({ guidanceViaEmbedding: true, defaultSteps: 4 });
  });
});

describe('loadDiffusionModel', () => {
  it('reads family, sizes, scaling, hidden-state outputs and UNet inputs from an SDXL folder', async () => {
    const dir = join(root, 'xl');
    await makeFixtureModel(dir, 'sdxl', { sampleSize: 16, timestep: 'int64' });
    const m = await loadDiffusionModel(dir, { intraOpThreads: 1 });
    expect(m.family.id).toBe('sdxl-turbo'); // trailing Euler Ancestral, as SDXL-Turbo ships
    expect([m.nativeWidth, m.nativeHeight]).toEqual([128, 128]);
    expect(m.decoder('full').scalingFactor).toBe(0.13025);
    expect(m.hiddenStateOutput).toBe('hidden_states.2');
    expect(m.hiddenStateOutput2).toBe('hidden_states.2');
    expect(m.unetInputs.timestep).toMatchObject({ dtype: 'int64', shape: ['steps'] });
    expect(m.unetInputs.textEmbeds?.name).toBe('text_embeds');
    expect(m.tokenizer.padTokenId).toBe(49407);
    expect(m.tokenizer2?.padTokenId).toBe(0);
    expect(m.hasTinyVae).toBe(false);
    expect(m.decoder('tiny')).toBe(m.decoder('full'));
    const enc = await m.encoder('full');
    expect(enc?.output).toBe('latent_parameters');
    expect(await m.encoder('full')).toBe(enc); // loaded once
    await m.release();
  });

  it('falls back to the family scheduler and pad token when the folder lacks them', async () => {
    const dir = join(root, 'lcm-bare');
    await makeFixtureModel(dir, 'lcm');
    await rm(join(dir, 'scheduler'), { recursive: true });
    await rm(join(dir, 'tokenizer', 'special_tokens_map.json'));
    await rm(join(dir, 'tokenizer', 'tokenizer_config.json'));
    const m = await loadDiffusionModel(dir, { intraOpThreads: 1 });
    expect(m.family.id).toBe('lcm');
    expect(m.timeCondDim).toBe(256);
    expect(m.schedulerConfig._class_name).toBe('LCMScheduler');
    expect(m.tokenizer.padTokenId).toBe(49407);
    await m.release();
  });

  it('names what is missing from an incomplete folder', async () => {
    const dir = join(root, 'partial');
    await makeFixtureModel(dir, 'sdxl');
    await rm(join(dir, 'text_encoder_2', 'model.onnx'));
    expect(missingModelFiles(dir)).toEqual(['text_encoder_2/model.onnx']);
    await expect(loadDiffusionModel(dir)).rejects.toBeInstanceOf(ModelFolderError);
    expect(missingModelFiles(join(root, 'nowhere'))).toContain('unet/model.onnx');
  });
});
