import type { RgbImage } from '../human/image-tensor.js';
import { rgbToTensor } from '../human/image-tensor.js';
import { getHuman, withHuman } from '../human/loader.js';
import type { Point } from './align.js';
import { fivePointsFromMesh, type MeshPoint } from './landmarks.js';

/** One face found in an image, in that image's pixel coordinates. */
export interface DetectedFace {
  /** [x, y, width, height], clamped to the image. */
  box: [number, number, number, number];
  /** Mesh confidence (0..1); the detector's own box confidence is `boxScore`. */
  score: number;
  boxScore: number;
  /** 478 mesh points [x, y, z] (468 face + 10 iris). */
  mesh: MeshPoint[];
  /** Eye centres, nose tip, mouth corners, in ArcFace template order. */
  fivePoints: Point[];
  /** Head rotation in degrees; yaw > 0 turns toward the image right. */
  rotation: { yaw: number; pitch: number; roll: number };
}

const DEG = 180 / Math.PI;

/** Detects faces (largest first) with human's BlazeFace + FaceMesh + Iris models. */
export async function detectFaces(image: RgbImage): Promise<DetectedFace[]> {
  await getHuman(); // the tensor must be created on the wasm backend human selects
  const tensor = rgbToTensor(image);
  try {
    const result = await withHuman((human) => human.detect(tensor as never));
    const faces: DetectedFace[] = [];
    for (const f of result.face) {
      if (!f.mesh || f.mesh.length < 468) continue; // detector-only boxes carry no usable landmarks
      const angle = f.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
      faces.push({
        box: [f.box[0], f.box[1], f.box[2], f.box[3]],
        score: f.faceScore || f.score,
        boxScore: f.boxScore,
        mesh: f.mesh as MeshPoint[],
        fivePoints: fivePointsFromMesh(f.mesh as MeshPoint[]),
        rotation: { yaw: angle.yaw * DEG, pitch: angle.pitch * DEG, roll: angle.roll * DEG },
      });
    }
    return faces.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  } finally {
    tensor.dispose();
  }
}
