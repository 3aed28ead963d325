/**
 * The DoP motion library: camera moves, ambient and weather effects, and first-last-frame
 * transitions. Pure data plus the prompt matcher; src/engine/video turns a preset into frames.
 * The ids are fixed forever: clients store them (GET /v1/motions, `motions[].id`).
 */

export type Easing = 'linear' | 'sine' | 'quadIn' | 'quadOut' | 'quadInOut' | 'cubicIn' | 'cubicOut' | 'cubicInOut' | 'expoIn' | 'expoOut';

/** How a track's amplitude evolves over normalised clip time t in [0, 1]. */
export type TrackShape =
  /** 0 -> 1 with easing inside the window [from, to] of the clip (default the whole clip). */
  | { kind: 'ramp'; easing: Easing; from?: number; to?: number }
  /** sin(2 pi cycles t): a whole number of cycles starts and ends at rest. */
  | { kind: 'swing'; cycles: number; phase?: number }
  /** Seeded smooth noise in [-1, 1] with about this many wiggles per second. */
  | { kind: 'shake'; frequencyHz: number };

/**
 * One camera track; every amplitude is the value reached at shape 1 and strength 1.
 * "Nearness" is 1 for the subject layer and smaller for the background, so dolly, truck and
 * crane give parallax while zoom, pan, tilt and roll move every layer alike.
 */
export interface CameraTrack {
  shape: TrackShape;
  /** Lens zoom: natural log of the scale factor (0.3 -> x1.35). */
  zoom?: number;
  /** Camera travelling forward: log scale at nearness 1. */
  dolly?: number;
  /** Camera yaw, fraction of frame width; positive turns right, so content moves left. */
  pan?: number;
  /** Camera pitch, fraction of frame height; positive tilts up, so content moves down. */
  tilt?: number;
  /** Sideways camera travel, fraction of frame width at nearness 1; positive moves right. */
  truck?: number;
  /** Vertical camera travel, fraction of frame height at nearness 1; positive moves up. */
  crane?: number;
  /** Degrees; positive rolls the camera clockwise, so content turns counter-clockwise. */
  roll?: number;
  /** Directional blur length as a multiple of this track's per-frame displacement. */
  motionBlur?: number;
}

export type EffectKind = 'rain' | 'snow' | 'dust' | 'fog' | 'grain' | 'flicker' | 'lightSweep';

export interface EffectSpec {
  kind: EffectKind;
  /** Intensity at strength 1, 0..1. */
  amount: number;
}

export type TransitionKind = 'morph' | 'zoomThrough' | 'whip';

export type MotionCategory = 'camera' | 'ambient' | 'weather' | 'transition';

export interface MotionPreset {
  id: string;
  name: string;
  description: string;
  /** True for transitions that need an end image (`input_images_end`). */
  startEndFrame: boolean;
  /** Camera words that pick this preset from a prompt, lower case, multi-word phrases allowed. */
  keywords: string[];
  category: MotionCategory;
  camera: CameraTrack[];
  effects: EffectSpec[];
  transition?: TransitionKind;
}

const ramp = (easing: Easing, from?: number, to?: number): TrackShape => ({ kind: 'ramp', easing, from, to });
const swing = (cycles: number, phase?: number): TrackShape => ({ kind: 'swing', cycles, phase });
const shake = (frequencyHz: number): TrackShape => ({ kind: 'shake', frequencyHz });

function preset(
  p: Omit<MotionPreset, 'startEndFrame' | 'camera' | 'effects'> & Partial<Pick<MotionPreset, 'camera' | 'effects'>>,
): MotionPreset {
  return {
    ...p,
    startEndFrame: p.category === 'transition',
    camera: p.camera ?? [],
    effects: p.effects ?? [],
  };
}

export const MOTIONS: readonly MotionPreset[] = Object.freeze([
  preset({
    id: '99285049-02fb-494c-8737-e174cb263946',
    name: 'Zoom In',
    description: 'Smooth lens zoom towards the centre of the frame',
    keywords: ['zoom in', 'zoom into', 'zoom closer', 'zoom'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), zoom: 0.3 }],
  }),
  preset({
    id: '9a69503d-1b4b-4a6f-b306-f00223b29934',
    name: 'Zoom Out',
    description: 'Smooth lens zoom away from the centre, revealing the whole frame',
    keywords: ['zoom out', 'zoom away', 'zoom back'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), zoom: -0.3 }],
  }),
  preset({
    id: '73ac9805-4b1b-4546-b3f1-803682e49fc8',
    name: 'Crash Zoom In',
    description: 'A sudden, accelerating punch-in on the subject',
    keywords: ['crash zoom in', 'crash zoom', 'snap zoom in', 'snap zoom', 'punch in', 'smash zoom'],
    category: 'camera',
    camera: [
      { shape: ramp('expoIn', 0.15, 0.85), zoom: 0.7, motionBlur: 0.6 },
      { shape: shake(6), pan: 0.004, tilt: 0.004 },
    ],
  }),
  preset({
    id: 'f3c2311a-8a9c-490c-8e8b-29851dfc6d3b',
    name: 'Crash Zoom Out',
    description: 'A sudden pull-back from a tight framing to the wide shot',
    keywords: ['crash zoom out', 'snap zoom out', 'punch out', 'smash zoom out'],
    category: 'camera',
    camera: [
      { shape: ramp('expoOut', 0.15, 0.85), zoom: -0.7, motionBlur: 0.6 },
      { shape: shake(6), pan: 0.004, tilt: 0.004 },
    ],
  }),
  preset({
    id: '0a81cdf3-141b-4f46-ae12-2de35f52e9a4',
    name: 'Dolly In',
    description: 'The camera travels towards the subject; the background grows more slowly (parallax)',
    keywords: ['dolly in', 'push in', 'push forward', 'move in', 'move closer', 'track in', 'dolly forward', 'dolly', 'push'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), dolly: 0.28 }],
  }),
  preset({
    id: '0ffc9228-caf4-43b1-b840-7883ee3311e3',
    name: 'Dolly Out',
    description: 'The camera travels back from the subject with depth parallax',
    keywords: ['dolly out', 'pull out', 'pull back', 'move back', 'move away', 'track out', 'dolly back', 'pull away'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), dolly: -0.28 }],
  }),
  preset({
    id: '63f0a299-2d7b-419d-bae8-f7c894e83c6a',
    name: 'Dolly Zoom',
    description:
      'Vertigo effect: the camera pushes in while the lens zooms out, so the subject holds its size and the background stretches away',
    keywords: ['dolly zoom', 'vertigo', 'zolly', 'hitchcock zoom', 'contra zoom'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), dolly: 0.4, zoom: -0.4 }],
  }),
  preset({
    id: '598453ca-8fcf-48a0-946f-b7b5037d3675',
    name: 'Pan Left',
    description: 'The camera turns to the left; the scene slides to the right',
    keywords: ['pan left', 'pan to the left', 'pans left', 'swing left', 'look left'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), pan: -0.14 }],
  }),
  preset({
    id: 'b2bf5b01-d660-4839-90cc-0b83b8d12680',
    name: 'Pan Right',
    description: 'The camera turns to the right; the scene slides to the left',
    keywords: ['pan right', 'pan to the right', 'swing right', 'look right', 'pan'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), pan: 0.14 }],
  }),
  preset({
    id: 'c5058f55-83d0-4cf5-a866-ecd2d8017962',
    name: 'Tilt Up',
    description: 'The camera tilts upwards; the scene slides down',
    keywords: ['tilt up', 'tilt upward', 'tilt upwards', 'look up', 'tilt'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), tilt: 0.14 }],
  }),
  preset({
    id: 'c75caf9e-5e89-49d1-8434-010a347d7a11',
    name: 'Tilt Down',
    description: 'The camera tilts downwards; the scene slides up',
    keywords: ['tilt down', 'tilt downward', 'tilt downwards', 'look down'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), tilt: -0.14 }],
  }),
  preset({
    id: '424cf969-7c00-46a7-a47a-bca2a42a1d85',
    name: 'Roll Clockwise',
    description: 'The camera rolls clockwise around the lens axis (Dutch angle)',
    keywords: ['roll', 'barrel roll', 'roll right', 'dutch angle', 'dutch tilt', 'rotate', 'rotation', 'spin'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), roll: 9, zoom: 0.04 }],
  }),
  preset({
    id: 'f35321fb-16d0-40c6-8d07-ed86746e8c70',
    name: 'Roll Counter-clockwise',
    description: 'The camera rolls counter-clockwise around the lens axis',
    keywords: ['roll left', 'counter clockwise', 'counterclockwise', 'anticlockwise'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), roll: -9, zoom: 0.04 }],
  }),
  preset({
    id: 'a75fe1ab-9503-4728-96e7-1c2d712262d7',
    name: 'Orbit Left',
    description: 'The camera circles to the left around the subject, which stays centred while the background slides behind it',
    keywords: ['orbit left', 'arc left', 'circle left', 'orbit', 'arc shot', 'circle around', 'around the subject', '360'],
    category: 'camera',
    camera: [{ shape: ramp('sine'), truck: -0.16, pan: 0.16, roll: -1.5, zoom: 0.03 }],
  }),
  preset({
    id: 'b72d4986-e158-44e7-bf10-cdc17fd10295',
    name: 'Orbit Right',
    description: 'The camera circles to the right around the subject, which stays centred while the background slides behind it',
    keywords: ['orbit right', 'arc right', 'circle right'],
    category: 'camera',
    camera: [{ shape: ramp('sine'), truck: 0.16, pan: -0.16, roll: 1.5, zoom: 0.03 }],
  }),
  preset({
    id: 'ec7b26a1-f5eb-4b6d-bcf9-63827cd27e61',
    name: 'Crane Up',
    description: 'The camera rises on a crane, tilting down slightly to keep the subject in frame',
    keywords: ['crane up', 'jib up', 'boom up', 'pedestal up', 'rise up', 'rising', 'ascend', 'crane'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), crane: 0.14, tilt: -0.05 }],
  }),
  preset({
    id: '99cd4b00-0a98-4650-909d-5fa12ec7ca63',
    name: 'Crane Down',
    description: 'The camera descends on a crane, tilting up slightly to keep the subject in frame',
    keywords: ['crane down', 'jib down', 'boom down', 'pedestal down', 'descend', 'lower down'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), crane: -0.14, tilt: 0.05 }],
  }),
  preset({
    id: 'bca41a0a-c696-49ab-8982-3972791a744c',
    name: 'Truck Left',
    description: 'The camera slides sideways to the left; near things pass faster than far ones',
    keywords: ['truck left', 'track left', 'slide left', 'move left', 'strafe left', 'dolly left'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), truck: -0.12 }],
  }),
  preset({
    id: '25e50f60-daa2-4987-85a4-3ac8a055270b',
    name: 'Truck Right',
    description: 'The camera slides sideways to the right; near things pass faster than far ones',
    keywords: ['truck right', 'track right', 'slide right', 'move right', 'strafe right', 'dolly right', 'tracking shot'],
    category: 'camera',
    camera: [{ shape: ramp('quadInOut'), truck: 0.12 }],
  }),
  preset({
    id: 'ac816392-0904-4591-bfc5-9bbe33410d9b',
    name: 'Overhead Drift',
    description: 'A top-down shot that slowly rotates and drifts, as from a hovering drone',
    keywords: ['overhead', 'top down', 'birds eye', 'bird eye', 'aerial', 'drone shot', 'drone', 'overhead shot'],
    category: 'camera',
    camera: [{ shape: ramp('sine'), roll: 7, truck: 0.05, crane: 0.04, dolly: 0.1 }],
  }),
  preset({
    id: 'e829d408-45b4-463d-8cea-91542128a094',
    name: 'Whip Pan',
    description: 'A fast whip of the camera to the right, with motion blur, settling on a new framing',
    keywords: ['whip pan', 'whip pan right', 'swish pan', 'flash pan', 'whip'],
    category: 'camera',
    camera: [{ shape: ramp('cubicInOut', 0.3, 0.62), pan: 0.2, motionBlur: 1 }],
  }),
  preset({
    id: '6784bdee-8ba7-4392-a85b-9d011c34d2fd',
    name: 'Whip Pan Left',
    description: 'A fast whip of the camera to the left, with motion blur, settling on a new framing',
    keywords: ['whip pan left', 'swish pan left', 'whip left'],
    category: 'camera',
    camera: [{ shape: ramp('cubicInOut', 0.3, 0.62), pan: -0.2, motionBlur: 1 }],
  }),
  preset({
    id: 'a0ef51bd-9b63-4421-a7b8-48de57238103',
    name: 'Handheld',
    description: 'Organic handheld camera shake with a slow breathing drift',
    keywords: ['handheld', 'hand held', 'shaky', 'shaky cam', 'camera shake', 'documentary', 'found footage', 'shake'],
    category: 'camera',
    camera: [
      { shape: shake(0.9), pan: 0.012, tilt: 0.012, roll: 0.8 },
      { shape: shake(3.5), pan: 0.003, tilt: 0.003 },
      { shape: ramp('linear'), zoom: 0.03 },
    ],
  }),
  preset({
    id: 'da986167-967d-4b10-b65b-315d2b902892',
    name: 'Parallax Float',
    description: 'The subject floats gently in front of the background in a slow figure-eight with depth parallax',
    keywords: ['parallax', 'float', 'floating', 'hover', '2.5d', '3d photo', 'depth effect'],
    category: 'ambient',
    camera: [
      { shape: swing(1), truck: 0.035 },
      { shape: swing(2, 0.25), crane: 0.025 },
      { shape: swing(1, 0.25), dolly: 0.04 },
    ],
  }),
  preset({
    id: 'fb3813b5-c851-4fba-8a7e-8ca4c9406dde',
    name: 'Breathing Ambient',
    description: 'A barely-there in-and-out breathing of the frame that keeps a still image alive',
    keywords: ['breathing', 'breathe', 'ambient', 'alive', 'living photo', 'subtle motion', 'idle'],
    category: 'ambient',
    camera: [
      { shape: swing(1, 0.75), zoom: 0.025 },
      { shape: swing(1, 0.75), dolly: 0.015 },
    ],
    effects: [{ kind: 'flicker', amount: 0.08 }],
  }),
  preset({
    id: '375f25e1-5ecc-492d-9b31-576da0776645',
    name: 'Light Sweep',
    description: 'A soft band of light sweeps diagonally across the frame',
    keywords: ['light sweep', 'light leak', 'sweep of light', 'shine', 'glint', 'sheen', 'god rays', 'light rays'],
    category: 'ambient',
    camera: [{ shape: ramp('linear'), zoom: 0.03 }],
    effects: [{ kind: 'lightSweep', amount: 0.6 }],
  }),
  preset({
    id: '3f80d528-8c20-48e4-8ee6-fe25e2dfe857',
    name: 'Flicker',
    description: 'Light flickers irregularly, like a failing bulb or firelight',
    keywords: ['flicker', 'strobe', 'candlelight', 'firelight', 'flashing light', 'neon flicker'],
    category: 'ambient',
    effects: [{ kind: 'flicker', amount: 0.7 }],
  }),
  preset({
    id: '586b6ffa-64bb-46a0-8088-e99309309f17',
    name: 'Rain',
    description: 'Slanted rain streaks fall over the scene, which dims slightly',
    keywords: ['rain', 'downpour', 'storm', 'drizzle', 'raindrops', 'rainy'],
    category: 'weather',
    camera: [{ shape: ramp('linear'), dolly: 0.05 }],
    effects: [{ kind: 'rain', amount: 0.7 }],
  }),
  preset({
    id: '7b44a6d6-aecc-4c81-9af4-ae16e9062921',
    name: 'Snow',
    description: 'Soft snowflakes drift down with a gentle sway',
    keywords: ['snow', 'snowfall', 'snowflakes', 'blizzard', 'snowing', 'winter'],
    category: 'weather',
    camera: [{ shape: ramp('linear'), dolly: 0.05 }],
    effects: [{ kind: 'snow', amount: 0.7 }],
  }),
  preset({
    id: '32f227af-e30a-49e1-962c-7f275f7614a2',
    name: 'Dust',
    description: 'Warm dust motes float and twinkle in the air',
    keywords: ['dust', 'dust particles', 'particles', 'motes', 'embers', 'pollen', 'sparkles', 'floating particles'],
    category: 'weather',
    camera: [{ shape: ramp('linear'), dolly: 0.04 }],
    effects: [{ kind: 'dust', amount: 0.7 }],
  }),
  preset({
    id: 'fba6a1f9-6605-4d12-bb68-b1b55f82c531',
    name: 'Fog Drift',
    description: 'Banks of mist drift slowly across the frame',
    keywords: ['fog', 'mist', 'haze', 'smoke', 'fog drift', 'foggy', 'misty', 'atmospheric', 'wind'],
    category: 'weather',
    camera: [{ shape: ramp('linear'), dolly: 0.04 }],
    effects: [{ kind: 'fog', amount: 0.85 }],
  }),
  preset({
    id: '9db1068e-db23-4ad5-9807-cfc41bad4b1c',
    name: 'Film Grain',
    description: 'Animated photographic grain with a faint gate weave, for a filmic look',
    keywords: ['film grain', 'grain', 'grainy', 'film look', 'analog', '16mm', '35mm', 'vintage film', 'celluloid'],
    category: 'ambient',
    camera: [{ shape: shake(2), pan: 0.0015, tilt: 0.0015 }],
    effects: [
      { kind: 'grain', amount: 0.6 },
      { kind: 'flicker', amount: 0.12 },
    ],
  }),
  preset({
    id: '1ed710a9-89da-4383-ad67-807f2fe891ad',
    name: 'Morph',
    description: 'The start image melts organically into the end image (needs an end frame)',
    keywords: ['morph', 'morphing', 'transform into', 'turns into', 'becomes', 'metamorphosis', 'dissolve', 'melt'],
    category: 'transition',
    transition: 'morph',
  }),
  preset({
    id: '04b680d4-4e13-4e4e-9df5-54763fd6c515',
    name: 'Zoom Through',
    description: 'The camera flies into the start image and emerges in the end image (needs an end frame)',
    keywords: ['zoom through', 'fly through', 'zoom transition', 'portal', 'dive into'],
    category: 'transition',
    transition: 'zoomThrough',
  }),
  preset({
    id: 'ee9cd10f-22ce-409c-859f-8634716287b0',
    name: 'Whip Transition',
    description: 'A whip pan carries the camera from the start image to the end image (needs an end frame)',
    keywords: ['whip transition', 'whip to', 'swish transition', 'whip pan transition'],
    category: 'transition',
    transition: 'whip',
  }),
]);

const BY_ID = new Map(MOTIONS.map((m) => [m.id, m]));

export function findMotion(id: string): MotionPreset | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}

/** Used when a request names no motion and its prompt has no camera words. */
export const DEFAULT_MOTION = { id: '0a81cdf3-141b-4f46-ae12-2de35f52e9a4', strength: 0.6 } as const;
/** Added when an end image comes without any motion. */
export const DEFAULT_TRANSITION_ID = '1ed710a9-89da-4383-ad67-807f2fe891ad';

export interface MotionChoice {
  id: string;
  /** 0 (still) .. 1 (full preset amplitude). */
  strength: number;
}

// Word forms folded to one stem so "zooming in" and "pans left" match "zoom in" and "pan left".
// Laid out by hand, one word family a line, so not formatted.
// prettier-ignore
const STEMS: Record<string, string> = {
  zooms: 'zoom', zooming: 'zoom', zoomed: 'zoom',
  pans: 'pan', panning: 'pan', panned: 'pan',
  tilts: 'tilt', tilting: 'tilt', tilted: 'tilt',
  dollies: 'dolly', dollying: 'dolly', dollied: 'dolly',
  pushes: 'push', pushing: 'push', pushed: 'push',
  pulls: 'pull', pulling: 'pull', pulled: 'pull',
  moves: 'move', moving: 'move', moved: 'move',
  orbits: 'orbit', orbiting: 'orbit', orbited: 'orbit', circling: 'circle', circles: 'circle',
  arcs: 'arc', arcing: 'arc',
  rolls: 'roll', rolling: 'roll', rolled: 'roll',
  rotates: 'rotate', rotating: 'rotate', spins: 'spin', spinning: 'spin',
  cranes: 'crane', craning: 'crane',
  trucks: 'truck', trucking: 'truck', tracks: 'track', tracking: 'track',
  slides: 'slide', sliding: 'slide',
  whips: 'whip', whipping: 'whip',
  floats: 'float', floating: 'float', hovers: 'hover', hovering: 'hover',
  breathes: 'breathe', breathing: 'breathing',
  flickers: 'flicker', flickering: 'flicker',
  raining: 'rain', rains: 'rain', rainy: 'rain',
  snowing: 'snow', snows: 'snow', snowy: 'snow',
  dusty: 'dust',
  foggy: 'fog', misty: 'mist', hazy: 'haze', smoky: 'smoke',
  morphs: 'morph', morphing: 'morph', morphed: 'morph',
  dissolves: 'dissolve', dissolving: 'dissolve', melts: 'melt', melting: 'melt',
  rises: 'rise', rising: 'rise', ascends: 'ascend', ascending: 'ascend',
  descends: 'descend', descending: 'descend',
  sweeps: 'sweep', sweeping: 'sweep', shakes: 'shake', shaking: 'shake',
  towards: 'toward', closer: 'closer',
};

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/'/g, '')
    .replace(/[^a-z0-9.]+/g, ' ')
    .replace(/\.(?!\d)/g, ' ')
    .split(' ')
    .filter(Boolean)
    .map((w) => STEMS[w] ?? w);
}

const GENTLE = new Set([
  'slow',
  'slowly',
  'gentle',
  'gently',
  'subtle',
  'subtly',
  'slight',
  'slightly',
  'soft',
  'softly',
  'calm',
  'light',
  'lazy',
  'faint',
  'little',
]);
const STRONG = new Set([
  'fast',
  'quick',
  'quickly',
  'rapid',
  'rapidly',
  'dramatic',
  'dramatically',
  'intense',
  'strong',
  'heavy',
  'heavily',
  'aggressive',
  'sudden',
  'suddenly',
  'extreme',
  'big',
  'wild',
]);
const INTENSIFIERS = new Set(['very', 'super', 'extremely', 'really']);

interface KeywordEntry {
  words: string[];
  id: string;
}

// Longest phrases first, so the first hit at a position is the longest one.
const KEYWORDS: KeywordEntry[] = MOTIONS.flatMap((m) => m.keywords.map((k) => ({ words: tokens(k), id: m.id })))
  .filter((k) => k.words.length > 0)
  .sort((a, b) => b.words.length - a.words.length);

// Words that end the phrase an adverb can belong to ("light rain and film grain": "light" is the rain's).
const BREAKS = new Set(['and', 'then', 'while', 'with', 'as', 'but', 'plus', 'before', 'after', 'into', 'to']);

function strengthBefore(words: string[], used: boolean[], start: number): number {
  const strength = 0.8;
  for (let i = start - 1; i >= Math.max(0, start - 3); i--) {
    const w = words[i];
    if (used[i] || BREAKS.has(w)) break;
    const intensified = i > 0 && INTENSIFIERS.has(words[i - 1]);
    if (GENTLE.has(w)) return intensified ? 0.3 : 0.5;
    if (STRONG.has(w)) return 1;
  }
  return strength;
}

/**
 * Camera words in a prompt -> motions with strengths, in the order they appear.
 * "slow push in" -> Dolly In at 0.5; "fast pan left" -> Pan Left at 1; no camera words -> [].
 */
export function pickMotionsFromPrompt(prompt: string): MotionChoice[] {
  const words = tokens(prompt ?? '');
  const used = new Array<boolean>(words.length).fill(false);
  const found: { id: string; at: number }[] = [];
  // Leftmost-longest: at each word the longest phrase starting there wins, so "crash zoom into"
  // is a crash zoom (not "zoom into") and "dolly zoom" is not a dolly plus a zoom.
  for (let i = 0; i < words.length; i++) {
    const entry = KEYWORDS.find((k) => k.words.length + i <= words.length && k.words.every((w, j) => words[i + j] === w));
    if (!entry) continue;
    for (let j = 0; j < entry.words.length; j++) used[i + j] = true;
    if (!found.some((f) => f.id === entry.id)) found.push({ id: entry.id, at: i });
    i += entry.words.length - 1;
  }
  return found.map(({ id, at }) => ({ id, strength: strengthBefore(words, used, at) }));
}
