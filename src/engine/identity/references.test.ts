import { describe, expect, it } from 'vitest';
import { chooseReference, type MeshReference } from './references.js';

const ref = (index: number, yaw: number, pitch: number, mouth: number, eyes = 0.3): MeshReference => ({
  index,
  image: { data: new Uint8Array(3), width: 1, height: 1 },
  mesh: [],
  pose: { yaw, pitch, roll: 0 },
  expression: { mouth, eyes },
  skin: new Uint8Array(0),
});

describe('reference choice', () => {
  const refs = [ref(0, 0, 0, 0.02), ref(1, 22, 3, 0.02), ref(2, -20, 0, 0.02), ref(3, 2, 0, 0.35)];

  it('picks the reference closest in pose', () => {
    expect(chooseReference(refs, { yaw: 18, pitch: 0, roll: 5 }, { mouth: 0.03, eyes: 0.3 })!.index).toBe(1);
    expect(chooseReference(refs, { yaw: -25, pitch: 2, roll: 0 }, { mouth: 0.03, eyes: 0.3 })!.index).toBe(2);
    expect(chooseReference(refs, { yaw: 1, pitch: 0, roll: 40 }, { mouth: 0.0, eyes: 0.3 })!.index).toBe(0); // roll is undone by the warp
  });

  it('among similar poses, picks the matching expression', () => {
    expect(chooseReference(refs, { yaw: 0, pitch: 0, roll: 0 }, { mouth: 0.4, eyes: 0.3 })!.index).toBe(3);
    expect(chooseReference(refs, { yaw: 0, pitch: 0, roll: 0 }, { mouth: 0.0, eyes: 0.3 })!.index).toBe(0);
  });

  it('null without references', () => {
    expect(chooseReference([], { yaw: 0, pitch: 0, roll: 0 }, { mouth: 0, eyes: 0.3 })).toBeNull();
  });
});
