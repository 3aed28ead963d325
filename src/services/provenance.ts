import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Job, JobKind } from '../domain/job.js';
import {
  C2paSigner,
  createSigningIdentity,
  fetchTimeStampToken,
  isSignable,
  pemToDer,
  type ManifestDefinition,
} from '../engine/c2pa/index.js';

const require = createRequire(import.meta.url);
const VERSION = (require('../../package.json') as { version: string }).version;
const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

/** Where the signing identity comes from: an operator's chain and key, else one made on first start. */
export interface ProvenanceSettings {
  dataDir: string;
  /** PEM files configured by the operator (both or neither). */
  chainPath: string | null;
  keyPath: string | null;
}

export interface LoadedIdentity {
  keyPem: string;
  /** Signer first, then its issuers: what /.well-known serves and verifiers trust. */
  chainPem: string;
  /** The issuers of the signer: the anchors `opensoul verify` trusts as "this server". */
  anchorsPem: string;
}

const pemOf = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/**
 * The signing identity: the operator's files, or `<dataDir>/c2pa/` (0700; key 0600) made on
 * first start with a private CA of its own.
 */
export function loadSigningIdentity(s: ProvenanceSettings): LoadedIdentity {
  let keyPem: string;
  let chainPem: string;
  if (s.chainPath && s.keyPath) {
    keyPem = fs.readFileSync(s.keyPath, 'utf8');
    chainPem = fs.readFileSync(s.chainPath, 'utf8');
  } else {
    const dir = path.join(s.dataDir, 'c2pa');
    const keyFile = path.join(dir, 'signer.key.pem');
    const chainFile = path.join(dir, 'chain.pem');
    if (!fs.existsSync(keyFile) || !fs.existsSync(chainFile)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const made = createSigningIdentity();
      fs.writeFileSync(chainFile, made.chainPem, { mode: 0o600 });
      fs.writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
    }
    keyPem = fs.readFileSync(keyFile, 'utf8');
    chainPem = fs.readFileSync(chainFile, 'utf8');
  }
  const certs = pemToDer(chainPem);
  if (certs.length < 2)
    throw new Error('the C2PA certificate chain needs the signer and at least its issuing CA (c2pa-rs refuses self-signed signers)');
  return { keyPem, chainPem, anchorsPem: certs.slice(1).map(pemOf).join('') };
}

/** The identity as it is now, without making one: null when this server has none yet. */
export function existingSigningIdentity(s: ProvenanceSettings): LoadedIdentity | null {
  const configured = Boolean(s.chainPath && s.keyPath);
  const dir = path.join(s.dataDir, 'c2pa');
  if (!configured && !fs.existsSync(path.join(dir, 'chain.pem'))) return null;
  return loadSigningIdentity(s);
}

/** A file about to be stored, as the worker holds it. */
export interface SignableBlob {
  bytes: Buffer;
  contentType: string;
}

/**
 * Content credentials on every generated file: a C2PA manifest saying it was created by a
 * trained algorithm (opensoul, the model), with the job's parameters. Never secrets, URLs or
 * other accounts' data: only the job's own generation settings.
 */
export class ProvenanceService {
  private signerInstance: C2paSigner | null = null;
  readonly chainPem: string;
  readonly anchorsPem: string;

  constructor(
    private readonly identity: LoadedIdentity,
    private readonly opts: { tsaUrl?: string | null; log?: (msg: string, extra?: Record<string, unknown>) => void } = {},
  ) {
    this.chainPem = identity.chainPem;
    this.anchorsPem = identity.anchorsPem;
  }

  /** The wasm module loads on the first signature, so processes that sign nothing never pay for it. */
  private get signer(): C2paSigner {
    this.signerInstance ??= new C2paSigner(this.identity, this.opts.tsaUrl ? this.timeStamp : undefined);
    return this.signerInstance;
  }

  /**
   * An RFC 3161 time stamp from the configured authority. One it cannot give (down, refusing)
   * does not cost the output: the manifest is signed without, and the miss is logged.
   */
  private readonly timeStamp = async (data: Uint8Array): Promise<Uint8Array | null> => {
    try {
      return await fetchTimeStampToken(this.opts.tsaUrl!, data);
    } catch (e) {
      this.opts.log?.('C2PA time stamp unavailable; signed without one', { tsa: this.opts.tsaUrl, err: (e as Error).message });
      return null;
    }
  };

  manifestFor(job: Job, extras: Record<string, unknown>): ManifestDefinition {
    const input = job.input as Record<string, unknown>;
    const model = typeof extras.model === 'string' ? extras.model : undefined;
    const generation = Object.fromEntries(
      Object.entries({
        job_id: job.id,
        job_set_id: job.jobSetId,
        kind: job.kind,
        model,
        prompt: input.prompt,
        prompt_used: extras.prompt_used,
        negative_prompt: input.negativePrompt ?? undefined,
        seed: input.seed,
        width: input.width,
        height: input.height,
        style_id: input.styleId ?? undefined,
        style_strength: input.styleId ? input.styleStrength : undefined,
        image_strength: input.imageReferenceUrl ? input.imageStrength : undefined,
        character_id: input.customReferenceId ?? undefined,
        tier: input.tier,
        motions: input.motions,
      }).filter(([, v]) => v !== undefined && v !== null),
    );
    const agent = { name: 'opensoul', version: VERSION };
    return {
      claim_generator_info: [agent],
      title: `${job.id}`,
      assertions: [
        {
          label: 'c2pa.actions.v2',
          data: {
            actions: [
              {
                action: 'c2pa.created',
                digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
                softwareAgent: { ...agent, ...(model ? { model } : {}) },
              },
            ],
          },
        },
        { label: 'org.opensoul.generation', data: generation },
      ],
    };
  }

  /** Generated media only: a Soul ID thumbnail is a crop of the owner's own photo, not a creation. */
  appliesTo(kind: JobKind): boolean {
    return kind === 'soul' || kind === 'dop' || kind === 'series_clip' || kind === 'series_concat';
  }

  /**
   * The blobs with the job's manifest embedded (types c2pa cannot carry pass unchanged); the
   * images the job read (image-to-image reference, DoP stills) are listed as its ingredients.
   */
  async sign<T extends SignableBlob>(job: Job, extras: Record<string, unknown>, blobs: T[], inputs: Buffer[] = []): Promise<T[]> {
    const manifest = this.manifestFor(job, extras);
    const ingredients = inputs.map((bytes, i) => ({ bytes, title: `input image ${i + 1}` }));
    const out: T[] = [];
    for (const b of blobs)
      out.push(isSignable(b.contentType) ? { ...b, bytes: await this.signer.sign(b.bytes, b.contentType, manifest, ingredients) } : b);
    return out;
  }
}
