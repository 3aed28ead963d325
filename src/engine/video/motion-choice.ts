/**
 * Which motions a request renders: the ones it names (validated), else camera words from the
 * prompt, else the default push-in; plus the rules that tie end frames to transitions.
 */
import { DEFAULT_MOTION, DEFAULT_TRANSITION_ID, findMotion, pickMotionsFromPrompt, type MotionPreset } from '../../domain/motions.js';
import type { WeightedMotion } from './camera.js';
import { DopInputError } from './errors.js';

export const MAX_MOTIONS = 8;

export interface RequestedMotion {
  id: string;
  strength?: number;
}

export interface ChosenMotions {
  /** Every motion with its strength, transitions included. */
  motions: WeightedMotion[];
  /** The one start-end-frame motion, when the clip is a transition. */
  transition: WeightedMotion | null;
  /** Where the motions came from. */
  origin: 'request' | 'prompt' | 'default';
}

function validate(requested: unknown): WeightedMotion[] {
  if (!Array.isArray(requested)) throw new DopInputError('motions must be an array of {id, strength}');
  if (requested.length > MAX_MOTIONS) throw new DopInputError(`at most ${MAX_MOTIONS} motions can be combined; got ${requested.length}`);
  return requested.map((m, i) => {
    if (!m || typeof m !== 'object' || typeof (m as RequestedMotion).id !== 'string') {
      throw new DopInputError(`motions[${i}] must be an object with a string id`);
    }
    const { id, strength = 1 } = m as RequestedMotion;
    const preset = findMotion(id);
    if (!preset) throw new DopInputError(`unknown motion id "${id}" (GET /v1/motions lists the available motions)`);
    if (typeof strength !== 'number' || !Number.isFinite(strength) || strength < 0 || strength > 1) {
      throw new DopInputError(`motions[${i}].strength must be a number from 0 to 1; got ${JSON.stringify(strength)}`);
    }
    return { preset, strength };
  });
}

function describe(p: MotionPreset): string {
  return `"${p.name}" (${p.id})`;
}

export function chooseMotions(requested: unknown, prompt: string, hasEndImage: boolean): ChosenMotions {
  let motions: WeightedMotion[];
  let origin: ChosenMotions['origin'];
  const named = requested === undefined || requested === null ? [] : validate(requested);
  if (named.length > 0) {
    motions = named;
    origin = 'request';
    const transitions = motions.filter((m) => m.preset.startEndFrame);
    if (hasEndImage && transitions.length === 0) {
      const fallback = findMotion(DEFAULT_TRANSITION_ID)!;
      throw new DopInputError(
        `an end image (input_images_end) needs a motion with start_end_frame: true, such as ${describe(fallback)}; none of the requested motions has it`,
      );
    }
    if (!hasEndImage && transitions.length > 0) {
      throw new DopInputError(
        `motion ${describe(transitions[0].preset)} is a start-end-frame transition and needs an end image (input_images_end)`,
      );
    }
  } else {
    const picked = pickMotionsFromPrompt(prompt).map((c) => ({ preset: findMotion(c.id)!, strength: c.strength }));
    // Prompt words never turn a single-image clip into a transition; with an end image the first
    // transition named wins.
    const firstTransition = hasEndImage ? picked.find((m) => m.preset.startEndFrame) : undefined;
    motions = picked.filter((m) => !m.preset.startEndFrame || m === firstTransition).slice(0, MAX_MOTIONS);
    origin = 'prompt';
    if (hasEndImage && !motions.some((m) => m.preset.startEndFrame)) {
      motions.unshift({ preset: findMotion(DEFAULT_TRANSITION_ID)!, strength: 1 });
    }
    if (motions.length === 0) {
      motions = [{ preset: findMotion(DEFAULT_MOTION.id)!, strength: DEFAULT_MOTION.strength }];
      origin = 'default';
    }
  }
  const transitions = motions.filter((m) => m.preset.startEndFrame);
  if (transitions.length > 1) {
    throw new DopInputError(
      `only one start-end-frame transition can be used at a time; got ${transitions.map((t) => describe(t.preset)).join(', ')}`,
    );
  }
  return { motions, transition: transitions[0] ?? null, origin };
}
