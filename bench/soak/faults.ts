// The soak's fault schedule: SIGKILL a random worker every `workerKillEveryMs` and start it
// again, SIGKILL one API process (clients fail over) and start it again, restart Redis (its
// BullMQ deliveries are lost), terminate the database's backends, and make the webhook
// receiver answer 503 for a while. Every fault is recorded with when it happened and whether
// the deployment came back from it.
import { mulberry32 } from '../../src/domain/mulberry32.js';
import type { Deployment } from './deployment.js';
import type { WebhookReceiver } from './receiver.js';

export interface FaultPlan {
  workerKillEveryMs: number;
  apiKillAtMs: number;
  apiDownMs: number;
  redisRestartAtMs: number;
  redisDownMs: number;
  pgTerminateAtMs: number[];
  webhookFailAtMs: number;
  webhookFailMs: number;
  /** No fault starts after this. */
  chaosEndMs: number;
  seed: number;
}

export interface FaultRecord {
  at: number;
  what: string;
  /** The process (or service) was back afterwards. */
  recovered: boolean;
  detail?: string;
}

export async function runFaults(
  dep: Deployment,
  receiver: WebhookReceiver,
  plan: FaultPlan,
  t0: number,
  stopped: () => boolean,
  onFault: (fault: FaultRecord) => void = () => {},
): Promise<FaultRecord[]> {
  const done: FaultRecord[] = [];
  const random = mulberry32(plan.seed);
  const now = () => Date.now() - t0;
  const until = async (ms: number) => {
    while (now() < ms && !stopped()) await new Promise((r) => setTimeout(r, Math.min(200, ms - now())));
    return !stopped();
  };
  const record = async (what: string, act: () => Promise<string | void>) => {
    const at = now();
    try {
      const detail = await act();
      done.push({ at, what, recovered: true, ...(detail ? { detail } : {}) });
    } catch (e) {
      done.push({ at, what, recovered: false, detail: String(e) });
    }
    onFault(done[done.length - 1]);
  };

  const workerKills = (async () => {
    for (let at = plan.workerKillEveryMs; plan.workerKillEveryMs > 0 && at < plan.chaosEndMs; at += plan.workerKillEveryMs) {
      // A slow restart can run past the next slot: no kill after the chaos phase.
      if (!(await until(at)) || now() > plan.chaosEndMs) return;
      const i = Math.floor(random() * dep.workerCount());
      await record(`SIGKILL worker${i}, restarted`, async () => {
        await dep.killWorker(i);
        await dep.restartWorker(i);
      });
    }
  })();
  const apiKill = (async () => {
    if (plan.apiKillAtMs < 0 || !(await until(plan.apiKillAtMs))) return;
    const i = Math.floor(random() * dep.apiPorts.length);
    await record(`SIGKILL api${i} (clients fail over), restarted after ${plan.apiDownMs} ms`, async () => {
      await dep.killApi(i);
      await new Promise((r) => setTimeout(r, plan.apiDownMs));
      await dep.restartApi(i);
    });
  })();
  const redis = (async () => {
    if (plan.redisRestartAtMs < 0 || !(await until(plan.redisRestartAtMs))) return;
    await record(`Redis killed (deliveries lost), restarted after ${plan.redisDownMs} ms`, () => dep.restartRedis(plan.redisDownMs));
  })();
  const pgKills = (async () => {
    for (const at of plan.pgTerminateAtMs) {
      if (!(await until(at))) return;
      await record('pg_terminate_backend on every connection of the run', async () => `${await dep.terminateBackends()} backends`);
    }
  })();
  const webhooks = (async () => {
    if (plan.webhookFailAtMs < 0 || !(await until(plan.webhookFailAtMs))) return;
    await record(`webhook receiver answers 503 for ${plan.webhookFailMs} ms`, async () => {
      receiver.failing = true;
      await new Promise((r) => setTimeout(r, plan.webhookFailMs));
      receiver.failing = false;
    });
  })();
  await Promise.all([workerKills, apiKill, redis, pgKills, webhooks]);
  return done.sort((a, b) => a.at - b.at);
}
