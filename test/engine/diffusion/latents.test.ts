import { describe, expect, it } from 'vitest';
import {
  applyGuidance,
  concatLastAxis,
  rgbToTensor,
  sampleLatentParameters,
  scale,
  sdxlTimeIds,
  tensorToRgb,
} from '../../../src/engine/diffusion/latents.js';
import { createImg2ImgSchedule } from '../../../src/engine/diffusion/schedulers/index.js';
import { FAMILIES } from '../../../src/engine/diffusion/families.js';

describe('latent math', () => {
  it('classifier-free guidance is uncond + g * (cond - uncond)', () => {
    const out = applyGuidance(Float32Array.of(1, -2, 0), Float32Array.of(3, -1, 0.5), 7.5);
    expect(Array.from(out)).toEqual([1 + 7.5 * 2, -2 + 7.5 * 1, 7.5 * 0.5]);
    expect(Array.from(applyGuidance(Float32Array.of(1), Float32Array.of(3), 1))).toEqual([3]);
  });

  it('samples latent_parameters as mean + exp(logvar/2) * eps with logvar clamped to [-30, 20]', () => {
    // B=1, 2C=2 (C=1), H=1, W=3: mean [0.5, -1, 2], logvar [0, 2 ln 2, 100 (clamped to 20)].
    const params = Float32Array.of(0.5, -1, 2, 0, 2 * Math.log(2), 100);
    const noise = Float32Array.of(1, -0.5, 1e-4);
    const z = sampleLatentParameters(params, [1, 2, 1, 3], noise);
    expect(z[0]).toBeCloseTo(1.5, 6);
    expect(z[1]).toBeCloseTo(-1 + 2 * -0.5, 6);
    expect(z[2]).toBeCloseTo(2 + Math.exp(10) * 1e-4, 3);
    expect(() => sampleLatentParameters(Float32Array.of(1, 2, 3), [1, 3, 1, 1], Float32Array.of(0))).toThrow(/mean and logvar/);
  });

  it('VAE scaling: encode multiplies, decode divides (SD 0.18215, SDXL 0.13025)', () => {
    const latent = Float32Array.of(1, -2);
    const z = scale(latent, FAMILIES.sd.vaeScalingFactor);
    expect(z[0]).toBeCloseTo(0.18215, 6);
    const back = scale(z, 1 / FAMILIES.sd.vaeScalingFactor);
    expect(back[1]).toBeCloseTo(-2, 5);
    expect(FAMILIES.sdxl.vaeScalingFactor).toBe(0.13025);
    expect(FAMILIES['sdxl-turbo'].vaeScalingFactor).toBe(0.13025);
    expect(FAMILIES.lcm.vaeScalingFactor).toBe(0.18215);
  });

  it('img2img noising matches diffusers: Euler x0 + sigma * noise at the start step', () => {
    // SD-Turbo-like: 2 trailing Euler steps at strength 0.5 run one step at t=499, sigma 1.6129.
    const sched = createImg2ImgSchedule(FAMILIES['sd-turbo'].schedulerDefaults, 2, 0.5);
    expect(sched.startIndex).toBe(1);
    expect(sched.scheduler.timesteps[sched.startIndex]).toBe(499);
    const x0 = Float32Array.of(0.2, -0.4);
    const noise = Float32Array.of(1, 2);
    const xt = sched.scheduler.addNoise(x0, noise, sched.startIndex);
    expect(xt[0]).toBeCloseTo(0.2 + 1.6129, 3);
    expect(xt[1]).toBeCloseTo(-0.4 + 2 * 1.6129, 3);
  });

  it('img2img noising for LCM: sqrt(abar) x0 + sqrt(1 - abar) noise', () => {
    const sched = createImg2ImgSchedule(FAMILIES.lcm.schedulerDefaults, 4, 0.5);
    expect(sched.startIndex).toBe(0);
    const t = sched.scheduler.timesteps[0];
    expect(t).toBe(499);
    // alpha_bar from the scaled_linear schedule at t.
    const betas = Array.from({ length: 1000 }, (_, i) => (Math.sqrt(0.00085) + (i / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085))) ** 2);
    let abar = 1;
    for (let i = 0; i <= t; i++) abar *= 1 - betas[i];
    const xt = sched.scheduler.addNoise(Float32Array.of(1), Float32Array.of(1), 0);
    expect(xt[0]).toBeCloseTo(Math.sqrt(abar) + Math.sqrt(1 - abar), 4);
  });

  it('converts RGB to [-1, 1] NCHW and back', () => {
    const rgb = Uint8Array.of(0, 128, 255, 10, 20, 30);
    const t = rgbToTensor(rgb, 2, 1);
    expect(Array.from(t)).toEqual([-1, 10 / 127.5 - 1, 128 / 127.5 - 1, 20 / 127.5 - 1, 1, 30 / 127.5 - 1].map(Math.fround));
    expect(Array.from(tensorToRgb(t, 2, 1, 'signed'))).toEqual(Array.from(rgb));
    expect(Array.from(tensorToRgb(Float32Array.of(0, 1, 0.5, 2, -1, NaN), 2, 1, 'unit'))).toEqual([0, 128, 0, 255, 255, 0]);
    // Overflowing fp16 decodes: ±Infinity clamp to the ends rather than wrap.
    expect(Array.from(tensorToRgb(Float32Array.of(Infinity, -Infinity, 1e30), 1, 1, 'signed'))).toEqual([255, 0, 255]);
  });

  it('joins SDXL encoder states on the channel axis and builds time_ids', () => {
    const a = Float32Array.of(1, 2, 3, 4); // [2 tokens, 2 dims]
    const b = Float32Array.of(9, 8, 7, 6, 5, 4); // [2 tokens, 3 dims]
    expect(Array.from(concatLastAxis(a, 2, b, 3))).toEqual([1, 2, 9, 8, 7, 3, 4, 6, 5, 4]);
    expect(Array.from(sdxlTimeIds(512, 768))).toEqual([512, 768, 0, 0, 512, 768]);
  });
});
