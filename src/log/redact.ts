/**
 * Secrets that may appear inside text we log (URLs, error messages, request lines). Logs are
 * read by more people and systems than the API keys are meant for, so every log line goes
 * through redact(): media signatures, presigned-URL credentials, API keys, webhook secrets.
 */
const REDACTED = '[REDACTED]';

const RULES: [RegExp, string][] = [
  // Query parameters that authorize a URL: our media `sig`, S3 presigning, common token names.
  [
    /([?&](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|api_key|apikey|secret)=)[^&#\s"'<>]*/gi,
    `$1${REDACTED}`,
  ],
  // Authorization values: `Key id:secret`, `Bearer …`, `Basic …`.
  [/\b(Key|Bearer|Basic)(\s+)[^\s"',;]+/g, `$1$2${REDACTED}`],
  // Compact opensoul tokens and webhook signing secrets.
  [/\bos_[0-9a-f]{32}\S+/gi, `os_${REDACTED}`],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, `whsec_${REDACTED}`],
  // Passwords in URLs (redis://user:pass@host, postgres://…).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:)[^\s@/"']+@/gi, `$1${REDACTED}@`],
  // JSON or header fields that hold a secret.
  [
    /("?(?:hf-secret|x-api-key|ocp-apim-subscription-key|authorization|secret|webhook_secret|x-webhook-secret-key|password|secret_access_key|data_?key|opensoul_data_key|media_?secret|opensoul_media_secret|operator_?token|opensoul_operator_token)"?\s*[:=]\s*"?)(?!Key\b|Bearer\b|Basic\b|\[REDACTED\])[^"\s,}]+/gi,
    `$1${REDACTED}`,
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of RULES) out = out.replace(re, to);
  return out;
}

/** redact() over every string inside a log record (depth-limited; other values unchanged). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return redact(value.stack ?? `${value.name}: ${value.message}`);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}

/** A `log(msg, extra)` function for a process, writing redacted lines to stderr. */
export function processLog(prefix: string) {
  return (msg: string, extra?: Record<string, unknown>) =>
    console.error(redact(`[${prefix}] ${msg}`), extra ? JSON.stringify(redactDeep(extra)) : '');
}
