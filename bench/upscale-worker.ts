// One ESRGAN worker thread for bench/upscale.ts: loads the model, then upscales tiles on request.
import { parentPort, workerData } from 'node:worker_threads';
import { loadEsrgan, predictTile, type EsrganModel } from './upscale-esrgan.js';

const { model: name, scale } = workerData as { model: EsrganModel; scale: number };
const port = parentPort!;

try {
  const model = await loadEsrgan(name, scale);
  port.on('message', (m: { id: number; data: Float32Array; height: number; width: number }) => {
    try {
      const data = predictTile(model, m.data, m.height, m.width);
      // Copy out of tfjs' buffer so it can be transferred without detaching tfjs memory.
      const copy = new Float32Array(data);
      port.postMessage({ id: m.id, data: copy }, [copy.buffer]);
    } catch (err) {
      port.postMessage({ id: m.id, error: (err as Error).message });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ error: (err as Error).message });
}
