/** Credits print without float noise: 1.5, 3, 0.09. */
export const credits = (n: number) => (Math.round(n * 1000) / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
export const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
export const when = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};
export const STATUS_LABEL: Record<string, string> = {
  queued: 'Queued',
  in_progress: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  nsfw: 'Withheld (NSFW)',
  canceled: 'Canceled',
};
