// The scaled deployment on loopback, for the soak (issue 15): a fresh PostgreSQL database, a
// private redis-server, an S3-protocol server, `opensoul serve --no-workers` API processes and
// `opensoul worker` processes of the real CLI on the tiny fixture model. Every process it starts
// is tracked so stop() kills it, also when the run fails.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startS3Server, type S3Server } from '../../test/helpers/s3-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/main.ts');
export const SOAK_PG_ADMIN = process.env.OPENSOUL_SOAK_PG_ADMIN ?? 'postgres://root@127.0.0.1:5432/postgres';
const BUCKET = 'soak-media';

export interface DeploymentOptions {
  apis: number;
  workers: number;
  /** Lease loops per worker process. */
  concurrency: number;
  /** Shown in each process's log file name and passed through to every process. */
  env?: Record<string, string>;
  log?: (msg: string) => void;
}

interface Managed {
  name: string;
  child: ChildProcess | null;
  /** Set while the soak itself stops the process: any other exit is a crash. */
  stopping: boolean;
  start: () => Promise<void>;
}

export interface Crash {
  name: string;
  at: number;
  how: string;
  logTail: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function admin(query: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: SOAK_PG_ADMIN });
  await c.connect();
  try {
    return (await c.query(query, params)).rows;
  } finally {
    await c.end();
  }
}

/** Resolves when `pattern` shows on the child's stdout; rejects if it exits first or time runs out. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => done(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = pattern.exec(out);
      if (m) done(null, m[1] ?? m[0]);
    };
    const onExit = (code: number | null, sig: string | null) => done(new Error(`${what} exited (${code ?? sig}) before it was ready`));
    function done(err: Error | null, v?: string) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(v!);
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function killHard(child: ChildProcess | null) {
  if (!child || exited(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

export class Deployment {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-soak-'));
  readonly dbName = `opensoul_soak_${randomBytes(4).toString('hex')}`;
  readonly databaseUrl: string;
  readonly mediaSecret = randomBytes(32).toString('hex');
  /** Every process has its own data dir (a machine of its own), so they share the data key explicitly. */
  readonly dataKey = randomBytes(32).toString('base64');
  readonly queuePrefix = `soak-${randomBytes(3).toString('hex')}`;
  redisPort = 0;
  s3: S3Server | null = null;
  readonly apiPorts: number[] = [];
  private readonly apis: Managed[] = [];
  private readonly workers: Managed[] = [];
  private redis: ChildProcess | null = null;
  private dbCreated = false;
  private closing = false;
  /** Processes that exited on their own; each was started again, as a supervisor would. */
  readonly crashes: Crash[] = [];
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: DeploymentOptions) {
    const u = new URL(SOAK_PG_ADMIN);
    u.pathname = `/${this.dbName}`;
    this.databaseUrl = u.toString();
    this.log = opts.log ?? (() => {});
  }

  get bucket() {
    return BUCKET;
  }

  apiUrls(): string[] {
    return this.apiPorts.map((p) => `http://127.0.0.1:${p}`);
  }

  /** Should this process end before stop() (a test runner tearing down), its children go with it. */
  private readonly onExit = () => {
    for (const c of [...this.apis, ...this.workers].map((m) => m.child).concat(this.redis)) if (c && !exited(c)) c.kill('SIGKILL');
  };

  async start(): Promise<void> {
    process.once('exit', this.onExit);
    await admin(`create database ${this.dbName}`);
    this.dbCreated = true;
    this.redisPort = await freePort();
    await this.startRedis();
    this.s3 = await startS3Server({ buckets: [BUCKET] });
    const fixture = path.join(this.dir, 'fixture-model');
    const made = spawnSync(
      process.execPath,
      ['--import', 'tsx', MAIN, '--data-dir', this.dir, 'models', 'make-fixture', fixture, '--family', 'lcm'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`make-fixture failed: ${made.stderr}`);
    this.modelPath = fixture;
    // One process migrates first, so the others start on a migrated database.
    for (let i = 0; i < this.opts.apis; i++) this.apiPorts.push(await freePort());
    for (let i = 0; i < this.opts.apis; i++)
      this.apis.push(this.managed(`api${i}`, ['serve', '--no-workers', '--port', String(this.apiPorts[i])], /opensoul listening on (\S+)/));
    for (let i = 0; i < this.opts.workers; i++)
      this.workers.push(this.managed(`worker${i}`, ['worker', '--concurrency', String(this.opts.concurrency)], /opensoul worker running/));
    await this.apis[0].start();
    await Promise.all([...this.apis.slice(1), ...this.workers].map((m) => m.start()));
  }

  private modelPath = '';

  private env(name: string): Record<string, string> {
    const s3 = this.s3!;
    return {
      ...process.env,
      OPENSOUL_DATA_DIR: path.join(this.dir, name),
      OPENSOUL_DATABASE_URL: this.databaseUrl,
      OPENSOUL_REDIS_URL: `redis://127.0.0.1:${this.redisPort}`,
      OPENSOUL_QUEUE_PREFIX: this.queuePrefix,
      OPENSOUL_S3_BUCKET: BUCKET,
      OPENSOUL_S3_ENDPOINT: s3.endpoint,
      OPENSOUL_S3_REGION: s3.region,
      OPENSOUL_S3_ACCESS_KEY_ID: s3.accessKeyId,
      OPENSOUL_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      OPENSOUL_MODEL_PATH: this.modelPath,
      OPENSOUL_MEDIA_SECRET: this.mediaSecret,
      OPENSOUL_DATA_KEY: this.dataKey,
      OPENSOUL_ALLOW_PRIVATE_URLS: 'true',
      OPENSOUL_STUDIO: 'false',
      // info: the job lifecycle lines (one end per job) are read back by the checks.
      OPENSOUL_LOG_LEVEL: 'info',
      OPENSOUL_EXECUTION_PROVIDER: 'cpu',
      OPENSOUL_ENGINE_THREADS: '1',
      OPENSOUL_MODERATION: 'off',
      // Short leases: a SIGKILLed worker's jobs go back to the queue within seconds.
      OPENSOUL_LEASE_MS: '3000',
      OPENSOUL_HEARTBEAT_MS: '500',
      OPENSOUL_MAX_IN_FLIGHT: '1000',
      OPENSOUL_RATE_LIMIT_PER_MINUTE: '100000',
      ...this.opts.env,
    };
  }

  private managed(name: string, args: string[], ready: RegExp): Managed {
    const m: Managed = {
      name,
      child: null,
      stopping: false,
      start: async () => {
        if (this.closing) throw new Error(`${name}: the deployment is stopping`);
        m.stopping = false;
        fs.mkdirSync(path.join(this.dir, name), { recursive: true });
        const logFile = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
        const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
          cwd: ROOT,
          env: this.env(name),
          stdio: ['ignore', 'pipe', logFile],
        });
        fs.closeSync(logFile);
        m.child = child;
        const log = fs.createWriteStream(path.join(this.dir, `${name}.log`), { flags: 'a' });
        child.stdout!.pipe(log);
        child.once('exit', (code, signal) => {
          if (m.stopping || this.closing) return;
          this.crashes.push({ name, at: Date.now(), how: signal ?? `exit ${code}`, logTail: this.logTail(name, 40) });
          this.log(`${name} crashed (${signal ?? `exit ${code}`}); starting it again`);
          setTimeout(() => void m.start().catch((e) => this.log(`${name} did not start again: ${e}`)), 500);
        });
        await waitForLine(child, ready, name);
      },
    };
    return m;
  }

  private async startRedis() {
    const child = spawn(
      'redis-server',
      ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.redis = child;
    await waitForLine(child, /Ready to accept connections/, 'redis-server', 20_000);
  }

  /** Redis stops hard (nothing persisted: every BullMQ delivery is lost) and comes back on its port. */
  async restartRedis(downMs: number) {
    await killHard(this.redis);
    await new Promise((r) => setTimeout(r, downMs));
    await this.startRedis();
  }

  workerCount() {
    return this.workers.length;
  }

  async killWorker(i: number) {
    this.workers[i].stopping = true;
    await killHard(this.workers[i].child);
  }

  async restartWorker(i: number) {
    await this.workers[i].start();
  }

  async killApi(i: number) {
    this.apis[i].stopping = true;
    await killHard(this.apis[i].child);
  }

  async restartApi(i: number) {
    await this.apis[i].start();
  }

  /** Ends every backend of the run's database but the caller's; returns how many. */
  async terminateBackends(): Promise<number> {
    const rows = await admin(
      'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t',
      [this.dbName],
    );
    return rows[0].n as number;
  }

  /** Log files of the processes, for a failed run's report. */
  logTail(name: string, lines = 30): string {
    const f = path.join(this.dir, `${name}.log`);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  /** Every JSON log line of every process, each run of it included. */
  logLines(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const name of this.processNames()) {
      const f = path.join(this.dir, `${name}.log`);
      if (!fs.existsSync(f)) continue;
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          out.push(JSON.parse(line));
        } catch {
          /* a line cut by SIGKILL */
        }
      }
    }
    return out;
  }

  processNames(): string[] {
    return [...this.apis, ...this.workers].map((m) => m.name);
  }

  /** Every process stopped hard, the bucket server closed, the database dropped, the folder removed. */
  async stop(opts: { keepDir?: boolean } = {}) {
    this.closing = true;
    process.off('exit', this.onExit);
    await Promise.all([...this.apis, ...this.workers].map((m) => killHard(m.child)));
    await killHard(this.redis);
    await this.s3?.close().catch(() => undefined);
    if (this.dbCreated)
      await admin(`drop database if exists ${this.dbName} with (force)`).catch((e) => this.log(`drop database failed: ${e}`));
    if (!opts.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
