/** Marks a sealed value; the version names the algorithm so a later one can be told apart. */
export const SEALED_PREFIX = 'enc:v1:';

/** Webhook outbox headers that carry a secret (sealed at rest); the rest are sent as stored. */
export const SECRET_HEADERS = ['X-Webhook-Secret-Key'] as const;
