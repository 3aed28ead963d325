import type { Job } from '../api';
import { STATUS_LABEL } from '../format';

/** One job's bar: steps while running, full once it ended. */
export function JobProgress({ job, index, label = `Job ${index + 1}` }: { job: Job; index: number; label?: string }) {
  const p = job.progress;
  const ended = !['queued', 'in_progress'].includes(job.status);
  const value = ended ? 1 : p && p.total > 0 ? p.step / p.total : 0;
  const pct = Math.round(value * 100);
  return (
    <div class={`job-progress status-${job.status}`} data-testid="job-progress" data-status={job.status} data-percent={pct}>
      <div class="job-progress-head">
        <span>{label}</span>
        <span class={`badge ${job.status}`}>{STATUS_LABEL[job.status] ?? job.status}</span>
        <span class="muted num">{job.status === 'in_progress' && p ? `${p.step}/${p.total}` : `${pct}%`}</span>
      </div>
      <div class="bar" role="progressbar" aria-label={`${label} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div class="bar-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${status}`}>{STATUS_LABEL[status] ?? status}</span>;
}
