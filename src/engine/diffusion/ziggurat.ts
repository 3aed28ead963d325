/**
 * Tables of the Marsaglia–Tsang ziggurat for the standard normal with 256 layers of equal area
 * under f(x) = exp(−x²/2) (unnormalised; the sampler only compares against f).
 *
 * X[1] = r is the base rectangle's right edge; the base layer (rectangle plus tail) has area v,
 * so its "virtual width" is X[0] = v / f(r). Each layer above has the same area:
 * X[i] · (f(X[i+1]) − f(X[i])) = v, i.e. X[i+1] = √(−2 ln(v / X[i] + f(X[i]))), up to X[256] = 0.
 * r and v are the published constants for 256 layers, for which that recursion closes at f = 1.
 */
const LAYERS = 256;
const R = 3.6541528853610088;
const V = 0.00492867323399;

export interface ZigguratTables {
  r: number;
  /** X[i]: the right edge of layer i (X[0] the base's virtual width). */
  width: Float64Array;
  /** X[i+1] / X[i]: u below this lies under the curve whatever the height. */
  ratio: Float64Array;
  /** f(X[i]) for i = 1..256 (layer 0 has no wedge: its overflow goes to the tail). */
  edge: Float64Array;
}

function build(): ZigguratTables {
  const f = (x: number) => Math.exp(-0.5 * x * x);
  const width = new Float64Array(LAYERS + 1);
  width[0] = V / f(R);
  width[1] = R;
  for (let i = 1; i < LAYERS - 1; i++) width[i + 1] = Math.sqrt(-2 * Math.log(V / width[i] + f(width[i])));
  width[LAYERS] = 0;
  const ratio = new Float64Array(LAYERS);
  for (let i = 0; i < LAYERS; i++) ratio[i] = width[i + 1] / width[i];
  const edge = new Float64Array(LAYERS + 1);
  for (let i = 1; i < LAYERS; i++) edge[i] = f(width[i]);
  edge[LAYERS] = 1;
  return { r: R, width, ratio, edge };
}

export const ZIGGURAT: ZigguratTables = build();
