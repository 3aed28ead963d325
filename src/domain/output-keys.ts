/** File extension of each stored media type. */
export const MEDIA_EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
};

/** The files a job can store: RunOutput's raw, min, poster and overlay. */
const OUTPUT_NAMES = ['raw', 'min', 'poster', 'overlay'] as const;

/**
 * Where a job's output `name` is stored: named by the job, so a run that repeats an earlier one
 * of the same job (its worker died after storing) overwrites those files instead of leaving them
 * behind with no job naming them.
 */
export function jobOutputKey(accountId: string, jobId: string, name: string, contentType: string): string {
  return `${accountId}/output/${jobId}-${name}.${MEDIA_EXT[contentType] ?? 'bin'}`;
}

/** Every key a job's outputs can have (an exact list, so looking them up stays a primary-key read). */
export function jobOutputKeys(accountId: string, jobId: string): string[] {
  const exts = [...Object.values(MEDIA_EXT), 'bin'];
  return OUTPUT_NAMES.flatMap((name) => exts.map((ext) => `${accountId}/output/${jobId}-${name}.${ext}`));
}
