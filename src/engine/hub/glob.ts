/**
 * fnmatch-style matching for `--only` patterns, as huggingface_hub's allow_patterns:
 * '*' matches any run of characters including '/', '?' one character, [abc] / [!abc] a set;
 * a pattern ending in '/' selects everything under that folder.
 */

function patternToRegExp(pattern: string): RegExp {
  const p = pattern.endsWith('/') ? `${pattern}*` : pattern;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = p.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function compileGlobs(patterns: readonly string[]): (path: string) => boolean {
  const res = patterns.map(patternToRegExp);
  return (path) => res.some((re) => re.test(path));
}
