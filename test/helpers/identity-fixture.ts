/**
 * Tiny identity-transfer models with the real signatures, for tests and benchmarks:
 *
 * - swapper (inswapper_128-style): `target` [1,3,128,128] RGB in 0..1 plus `source` [1,512] ->
 *   `output` [1,3,128,128] in 0..1, with a 512x512 `emap` initializer stored last and unused by
 *   the graph, as in the real model;
 * - recogniser (ArcFace w600k_r50-style): `input.1` [N,3,112,112] normalised to -1..1 ->
 *   `683` [N,512].
 *
 * Weights are seeded, so the same seed writes the same bytes. The output depends on both the
 * target pixels and the source identity, which is all the transfer code needs to be exercised.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { ElemType, GraphBuilder, weightRng } from '../../src/engine/diffusion/fixture/graph-builder.js';

const { onnx } = onnxProto;

export const FIXTURE_SWAPPER_FILE = 'inswapper_128.onnx';
export const FIXTURE_RECOGNIZER_FILE = 'w600k_r50.onnx';

export interface IdentityFixtureOptions {
  seed?: number;
  /** Store the emap initializer (default true); false writes a swapper that takes the raw embedding. */
  emap?: boolean;
}

function conv(g: GraphBuilder, x: string, cin: number, cout: number, k: number, stride: number, pad: number, scale: number): string {
  return g.op('Conv', [x, g.weight([cout, cin, k, k], scale), g.weight([cout], 0.05)], {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
  });
}

function buildSwapper(seed: number): Uint8Array {
  const g = new GraphBuilder(seed);
  const target = g.input('target', 'float32', [1, 3, 128, 128]);
  const source = g.input('source', 'float32', [1, 512]);
  // Centre the pixels so the convolutions see signed values, as a trained encoder would.
  let x = g.op('Sub', [target, g.constFloat([0.5], [])]);
  x = g.op('Tanh', [conv(g, x, 3, 8, 3, 1, 1, 0.6)]);
  x = conv(g, x, 8, 3, 3, 1, 1, 0.5);
  // The identity shifts every channel, so a different source gives a different face colour/texture.
  const s = g.op('Reshape', [g.op('Gemm', [source, g.weight([512, 3], 2 / Math.sqrt(512))]), g.constInt64([1, 3, 1, 1])]);
  g.alias(g.op('Sigmoid', [g.op('Add', [x, s])]), 'output');
  g.output('output', 'float32', [1, 3, 128, 128]);
  return g.encode('inswapper_fixture', 11);
}

function buildRecognizer(seed: number): Uint8Array {
  const g = new GraphBuilder(seed);
  const input = g.input('input.1', 'float32', ['None', 3, 112, 112]);
  let x = g.op('Tanh', [conv(g, input, 3, 8, 4, 4, 0, 0.4)]); // [N,8,28,28]
  x = g.op('AveragePool', [x], { kernel_shape: [4, 4], strides: [4, 4] }); // [N,8,7,7]
  x = g.op('Flatten', [x], { axis: 1 }); // [N,392]
  g.alias(g.op('Gemm', [x, g.weight([392, 512], 1 / Math.sqrt(392))]), '683');
  g.output('683', 'float32', ['None', 512]);
  return g.encode('arcface_fixture', 11);
}

/** Appends an initializer named `emap` (unused by the graph) after all others, as the real swapper stores it. */
function withEmap(model: Uint8Array, seed: number, size = 512): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const rand = weightRng(seed);
  const values = new Float32Array(size * size);
  // Near-identity plus noise: the projection mixes every component but keeps the identity readable.
  for (let i = 0; i < values.length; i++) values[i] = (rand() * 2 - 1) / Math.sqrt(size) + (i % (size + 1) === 0 ? 1 : 0);
  decoded.graph!.initializer!.push({
    name: 'emap',
    dims: [size, size],
    dataType: ElemType.float32,
    rawData: new Uint8Array(values.buffer),
  });
  return onnx.ModelProto.encode(decoded).finish();
}

/** Writes the fixture swapper and recogniser into `dir` and returns their paths. */
export async function makeIdentityFixtureModels(
  dir: string,
  opts: IdentityFixtureOptions = {},
): Promise<{ swapperPath: string; recognizerPath: string }> {
  const seed = opts.seed ?? 7;
  await mkdir(dir, { recursive: true });
  const swapperPath = join(dir, FIXTURE_SWAPPER_FILE);
  const recognizerPath = join(dir, FIXTURE_RECOGNIZER_FILE);
  const swapper = buildSwapper(seed);
  await writeFile(swapperPath, opts.emap === false ? swapper : withEmap(swapper, seed + 1000));
  await writeFile(recognizerPath, buildRecognizer(seed + 1));
  return { swapperPath, recognizerPath };
}
