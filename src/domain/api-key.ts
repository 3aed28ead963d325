/**
 * An opensoul key is `id:secret`. Clients whose key field must be one opaque word can send the
 * compact form `os_<key id without dashes><secret>` instead (`opensoul keys create --compact`),
 * wherever a key is sent as one value: `Authorization: Key …`, `Bearer …` and the reseller headers.
 */
export function compactToken(keyId: string, secret: string): string {
  return `os_${keyId.replace(/-/g, '')}${secret}`;
}

/** `id:secret` or an `os_…` token as `{keyId, secret}`; null when it is neither. */
export function parseKey(value: string | undefined): { keyId: string; secret: string } | null {
  if (!value) return null;
  const v = value.trim();
  const m = /^os_([0-9a-f]{32})(\S+)$/i.exec(v);
  if (m) {
    const h = m[1].toLowerCase();
    return { keyId: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, secret: m[2] };
  }
  const i = v.indexOf(':');
  if (i <= 0) return null;
  return { keyId: v.slice(0, i).trim(), secret: v.slice(i + 1).trim() };
}
