import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createImg2ImgSchedule,
  createScheduler,
  guidanceScaleEmbedding,
  img2imgStart,
  lcmTimestepCond,
  minStepsForStrength,
  type NoiseSource,
  type SchedulerConfig,
} from '../../../src/engine/diffusion/schedulers/index.js';

const SD: SchedulerConfig = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 };
const STEPS = [1, 2, 4, 8, 25];
const SPACINGS = ['leading', 'linspace', 'trailing'] as const;

interface Tables {
  schedules: Record<string, { timesteps: number[]; sigmas?: number[]; init_noise_sigma: number }>;
  trajectories: Record<string, { start: number[]; steps: { scaled: number[]; out: number[] }[] }>;
  guidance_embedding: Record<string, number[]>;
}
const golden = JSON.parse(readFileSync(new URL('../../fixtures/schedulers/diffusers-tables.json', import.meta.url), 'utf8')) as Tables;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (Math.abs(actual[i] - expected[i]) > tol * scale) {
      throw new Error(`index ${i}: ${actual[i]} vs expected ${expected[i]} (tol ${tol})`);
    }
  }
}

/**
 * Independent float64 implementation of the formulas in engine-facts §2 (not the code under
 * test): betas = linspace(√β0, √β1, T)², ᾱ = cumprod(1 − β), σ = √((1 − ᾱ)/ᾱ).
 */
function referenceSigmaTable(): number[] {
  const T = 1000;
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  let acc = 1;
  const sigmas: number[] = [];
  for (let i = 0; i < T; i++) {
    const beta = (a + ((b - a) * i) / (T - 1)) ** 2;
    acc *= 1 - beta;
    sigmas.push(Math.sqrt((1 - acc) / acc));
  }
  return sigmas;
}
const SIGMA = referenceSigmaTable();

function referenceTimesteps(spacing: string, n: number, offset: number): number[] {
  const T = 1000;
  const bankers = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (spacing === 'trailing') out.push(bankers(T - (i * T) / n) - 1);
    else if (spacing === 'leading') out.push((n - 1 - i) * Math.floor(T / n) + offset);
    else out.push(n === 1 ? 0 : ((T - 1) * (n - 1 - i)) / (n - 1));
  }
  return out;
}

function referenceSigmas(timesteps: number[]): number[] {
  const interp = (t: number) => {
    const i = Math.min(Math.floor(t), 998);
    return SIGMA[i] + (t - i) * (SIGMA[i + 1] - SIGMA[i]);
  };
  return [...timesteps.map(interp), 0];
}

/** Replays a fixed list of noise vectors, like the generator injected into diffusers. */
function replayNoise(vectors: Float32Array[]): NoiseSource & { used: number } {
  const source = {
    used: 0,
    normal(n: number): Float32Array {
      const v = vectors[source.used++];
      if (!v || v.length !== n) throw new Error('unexpected noise request');
      return v;
    },
  };
  return source;
}

const N = 16;
const vec = (fn: (i: number) => number) => Float32Array.from({ length: N }, (_, i) => fn(i));
const modelOut = (k: number) => vec((i) => 0.8 * Math.cos(0.3 * i + k));
const noiseVec = (k: number) => vec((i) => Math.sin(1.3 * i + 0.5 * k));

describe('noise schedule constants (engine-facts §2.1)', () => {
  it('matches the published σ_min, σ_max and ᾱ values', () => {
    expect(SIGMA[999]).toBeCloseTo(14.6146, 4);
    expect(SIGMA[0]).toBeCloseTo(0.029168, 5);
    const euler = createScheduler({ ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, 1);
    expect(euler.sigmas![0]).toBeCloseTo(14.6146, 4);
    expect(euler.initNoiseSigma).toBeCloseTo(14.6146, 4);
  });
});

describe('Euler tables', () => {
  it('pins the SD-Turbo 4-step trailing schedule', () => {
    const s = createScheduler({ ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, 4);
    expect(Array.from(s.timesteps)).toEqual([999, 749, 499, 249]);
    [14.6146, 4.0817, 1.6129, 0.6932, 0].forEach((v, i) => expect(s.sigmas![i]).toBeCloseTo(v, 4));
  });

  it('pins the trailing timesteps for 1, 2 and 3 steps', () => {
    const t = (n: number) =>
      Array.from(createScheduler({ ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, n).timesteps);
    expect(t(1)).toEqual([999]);
    expect(t(2)).toEqual([999, 499]);
    expect(t(3)).toEqual([999, 666, 332]);
  });

  for (const cls of ['EulerDiscreteScheduler', 'EulerAncestralDiscreteScheduler']) {
    for (const spacing of SPACINGS) {
      it(`${cls} ${spacing}: timesteps and sigmas for ${STEPS.join(', ')} steps match the formulas and diffusers`, () => {
        for (const n of STEPS) {
          const s = createScheduler({ ...SD, _class_name: cls, timestep_spacing: spacing }, n);
          const ts = referenceTimesteps(spacing, n, 1);
          expectClose(s.timesteps, ts);
          expectClose(s.sigmas!, referenceSigmas(ts));
          const g = golden.schedules[`${cls === 'EulerDiscreteScheduler' ? 'euler' : 'euler_a'}/${spacing}/${n}`];
          expectClose(s.timesteps, g.timesteps);
          expectClose(s.sigmas!, g.sigmas!);
          expect(s.initNoiseSigma).toBeCloseTo(g.init_noise_sigma, 4);
          const maxSigma = referenceSigmas(ts)[0];
          expect(s.initNoiseSigma).toBeCloseTo(spacing === 'leading' ? Math.sqrt(maxSigma ** 2 + 1) : maxSigma, 3);
        }
      });
    }
  }

  it('uses the DDPM linear defaults when the config is empty', () => {
    const s = createScheduler({}, 4);
    const g = golden.schedules['euler/linear-defaults/4'];
    expectClose(s.timesteps, g.timesteps);
    expectClose(s.sigmas!, g.sigmas!);
  });
});

describe('LCM and DDIM tables', () => {
  it('pins the LCM schedules of engine-facts §2.4', () => {
    const t = (n: number) => Array.from(createScheduler({ ...SD, _class_name: 'LCMScheduler' }, n).timesteps);
    expect(t(4)).toEqual([999, 759, 499, 259]);
    expect(t(2)).toEqual([999, 499]);
  });

  it('LCM matches diffusers for 1..25 steps and with strength 0.5', () => {
    for (const n of STEPS) {
      const s = createScheduler({ ...SD, steps_offset: 0, _class_name: 'LCMScheduler' }, n);
      expect(Array.from(s.timesteps)).toEqual(golden.schedules[`lcm/1.0/${n}`].timesteps);
      expect(s.initNoiseSigma).toBe(1);
    }
    for (const n of [1, 2, 4]) {
      const s = createScheduler({ ...SD, _class_name: 'LCMScheduler' }, n, { strength: 0.5 });
      expect(Array.from(s.timesteps)).toEqual(golden.schedules[`lcm/0.5/${n}`].timesteps);
    }
  });

  it('DDIM timesteps match diffusers for every spacing', () => {
    for (const spacing of SPACINGS) {
      for (const n of STEPS) {
        const s = createScheduler({ ...SD, _class_name: 'DDIMScheduler', timestep_spacing: spacing }, n);
        expect(Array.from(s.timesteps)).toEqual(golden.schedules[`ddim/${spacing}/${n}`].timesteps);
      }
    }
  });

  it('rejects LCM step counts its distilled schedule cannot provide', () => {
    expect(() => createScheduler({ _class_name: 'LCMScheduler' }, 51)).toThrow(/original_inference_steps/);
    expect(() => createScheduler({ _class_name: 'LCMScheduler' }, 8, { strength: 0.1 })).toThrow(/smaller than 8 steps/);
  });
});

describe('step trajectories against diffusers', () => {
  const cases: [string, SchedulerConfig, number?][] = [];
  for (const pred of ['epsilon', 'v_prediction']) {
    for (const spacing of ['leading', 'trailing', 'linspace']) {
      cases.push([
        `euler/${spacing}/${pred}/4`,
        { ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: spacing, prediction_type: pred },
      ]);
      cases.push([
        `euler_a/${spacing}/${pred}/4`,
        { ...SD, _class_name: 'EulerAncestralDiscreteScheduler', timestep_spacing: spacing, prediction_type: pred },
      ]);
    }
    cases.push([`lcm/${pred}/4`, { ...SD, steps_offset: 0, _class_name: 'LCMScheduler', prediction_type: pred }]);
    const ddim = {
      ...SD,
      _class_name: 'DDIMScheduler',
      timestep_spacing: 'leading',
      prediction_type: pred,
      clip_sample: false,
      set_alpha_to_one: false,
    };
    cases.push([`ddim/${pred}/4`, ddim]);
    cases.push([`ddim-eta1/${pred}/4`, ddim, 1]);
  }
  cases.push(['ddim-clip/epsilon/4', { ...SD, _class_name: 'DDIMScheduler', clip_sample: true }]);

  for (const [key, config, eta] of cases) {
    it(key, () => {
      const g = golden.trajectories[key];
      const s = createScheduler(config, 4, { eta });
      const rng = replayNoise([0, 1, 2, 3].map(noiseVec));
      let x: Float32Array = Float32Array.from(g.start, (v) => v * s.initNoiseSigma);
      g.steps.forEach((expected, k) => {
        expectClose(s.scaleModelInput(x, k), expected.scaled);
        x = s.step(modelOut(k), k, x, rng);
        expectClose(x, expected.out);
      });
    });

    it(`${key}: stepping in place into caller buffers gives the same numbers`, () => {
      const s = createScheduler(config, 4, { eta });
      const start = Float32Array.from(golden.trajectories[key].start, (v) => v * s.initNoiseSigma);
      const fresh = replayNoise([0, 1, 2, 3].map(noiseVec));
      const inPlace = replayNoise([0, 1, 2, 3].map(noiseVec));
      let x: Float32Array = start.slice();
      const y = start.slice();
      const scaled = new Float32Array(y.length);
      for (let k = 0; k < 4; k++) {
        expect(s.scaleModelInput(y, k, scaled)).toBe(scaled);
        expect(Array.from(scaled)).toEqual(Array.from(s.scaleModelInput(x, k)));
        x = s.step(modelOut(k), k, x, fresh);
        expect(s.step(modelOut(k), k, y, inPlace, y)).toBe(y);
        expect(Array.from(y)).toEqual(Array.from(x));
      }
    });
  }

  it('img2img from step 2 (add_noise at σ[2], then two steps)', () => {
    const g = golden.trajectories['euler/trailing/epsilon/4/begin2'];
    const s = createScheduler({ ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, 4);
    let x: Float32Array = s.addNoise(Float32Array.from(g.start), noiseVec(99), 2);
    g.steps.forEach((expected, k) => {
      expectClose(s.scaleModelInput(x, 2 + k), expected.scaled);
      x = s.step(modelOut(k), 2 + k, x);
      expectClose(x, expected.out);
    });
  });

  it('stochastic steps demand a noise source; deterministic ones do not', () => {
    const a = createScheduler({ ...SD, _class_name: 'EulerAncestralDiscreteScheduler', timestep_spacing: 'trailing' }, 2);
    const x = vec(() => 1);
    expect(() => a.step(modelOut(0), 0, x)).toThrow(/noise source/);
    // The last ancestral step has σ_up = 0 and needs no noise.
    expect(a.step(modelOut(0), 1, x)).toHaveLength(N);
    const lcm = createScheduler({ ...SD, _class_name: 'LCMScheduler' }, 2);
    expect(() => lcm.step(modelOut(0), 0, x)).toThrow(/noise source/);
    expect(lcm.step(modelOut(0), 1, x)).toHaveLength(N);
  });

  it('rejects step indices outside the schedule and mismatched lengths', () => {
    const s = createScheduler({ ...SD, _class_name: 'EulerDiscreteScheduler' }, 2);
    expect(() =>
      s.step(
        modelOut(0),
        2,
        vec(() => 0),
      ),
    ).toThrow(RangeError);
    expect(() =>
      s.step(
        new Float32Array(3),
        0,
        vec(() => 0),
      ),
    ).toThrow(/length/);
    expect(() =>
      s.step(
        modelOut(0),
        0,
        vec(() => 0),
        undefined,
        new Float32Array(3),
      ),
    ).toThrow(/output buffer/);
  });
});

describe('img2img start rule (engine-facts §2.6)', () => {
  it('follows init_timestep = min(⌊n·s⌋, n), t_start = n − init_timestep', () => {
    expect(img2imgStart(2, 0.5)).toEqual({ startIndex: 1, steps: 1 });
    expect(img2imgStart(4, 1)).toEqual({ startIndex: 0, steps: 4 });
    expect(img2imgStart(4, 0.7)).toEqual({ startIndex: 2, steps: 2 });
    expect(img2imgStart(25, 0.8)).toEqual({ startIndex: 5, steps: 20 });
    expect(img2imgStart(1, 0.5)).toEqual({ startIndex: 1, steps: 0 });
  });

  it('turbo example: 2 steps at strength 0.5 run one step from t=499 with σ=1.6129', () => {
    const plan = createImg2ImgSchedule({ ...SD, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, 2, 0.5);
    expect(plan.startIndex).toBe(1);
    expect(plan.scheduler.timesteps[plan.startIndex]).toBe(499);
    const noisy = plan.scheduler.addNoise(new Float32Array([0]), new Float32Array([1]), plan.startIndex);
    expect(noisy[0]).toBeCloseTo(1.6129, 4);
  });

  it('LCM passes strength to its schedule and runs every step', () => {
    const plan = createImg2ImgSchedule({ ...SD, _class_name: 'LCMScheduler' }, 4, 0.5);
    expect(plan.startIndex).toBe(0);
    expect(Array.from(plan.scheduler.timesteps)).toEqual([499, 379, 259, 139]);
  });

  it('refuses a plan that runs no step and says how many steps would', () => {
    expect(() => createImg2ImgSchedule({ ...SD, _class_name: 'EulerDiscreteScheduler' }, 1, 0.5)).toThrow(/at least 2 steps/);
    expect(minStepsForStrength(1, 0.3)).toBe(4);
    expect(minStepsForStrength(4, 0.3)).toBe(4);
  });
});

describe('scheduler factory', () => {
  it('stands Euler in for compatible classes it does not implement, and says so', () => {
    const s = createScheduler({ ...SD, _class_name: 'PNDMScheduler', skip_prk_steps: true }, 4);
    expect(s.kind).toBe('euler');
    expect(s.substitutedFor).toBe('PNDMScheduler');
  });

  it('rejects unknown classes and unsupported options', () => {
    expect(() => createScheduler({ _class_name: 'FlowMatchEulerDiscreteScheduler' }, 4)).toThrow(/not supported/);
    expect(() => createScheduler({ _class_name: 'EulerDiscreteScheduler', use_karras_sigmas: true }, 4)).toThrow(/karras/);
    expect(() => createScheduler({ _class_name: 'EulerDiscreteScheduler' }, 0)).toThrow(/steps/);
  });
});

describe('LCM guidance embedding (timestep_cond)', () => {
  it('matches diffusers for guidance 1.5, 4 and 8 at dim 256', () => {
    for (const g of ['1.5', '4.0', '8.0']) {
      const ours = guidanceScaleEmbedding([Number(g) - 1], 256);
      const theirs = golden.guidance_embedding[g];
      expect(ours).toHaveLength(256);
      for (let i = 0; i < 256; i++) {
        // Angles reach 7000 rad; torch's float32 exp/mul may land one float32 ulp of the
        // angle away from ours, so allow that much (plus rounding) and no more.
        const angle = (Number(g) - 1) * 1000 * Math.exp((-Math.log(10000) * (i % 128)) / 127);
        const tol = 1e-5 + angle * 2 ** -22;
        if (Math.abs(ours[i] - theirs[i]) > tol) throw new Error(`g=${g} index ${i}: ${ours[i]} vs ${theirs[i]}`);
      }
    }
  });

  it('repeats the row per batch item; w = 0 gives sin 0 / cos 1', () => {
    const cond = lcmTimestepCond(8, 2);
    expect(cond).toHaveLength(512);
    expect(Array.from(cond.subarray(256))).toEqual(Array.from(cond.subarray(0, 256)));
    const zero = lcmTimestepCond(1, 1);
    expect(Array.from(zero.subarray(0, 128)).every((v) => v === 0)).toBe(true);
    expect(Array.from(zero.subarray(128)).every((v) => v === 1)).toBe(true);
  });
});
