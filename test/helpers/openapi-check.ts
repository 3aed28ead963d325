import { Ajv, type ValidateFunction } from 'ajv';

export const toDocPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}');

/** Validates real responses against the operation's schema for their status code. */
export class OpenApiChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly cache = new Map<string, ValidateFunction>();
  /** `METHOD docPath status` of every response checked. */
  readonly seen = new Set<string>();

  constructor(readonly doc: any) {}

  operation(method: string, docPath: string) {
    const op = this.doc.paths[docPath]?.[method.toLowerCase()];
    if (!op) throw new Error(`no operation ${method} ${docPath} in the document`);
    return op;
  }

  /** Throws with ajv's errors when the body does not match; returns the parsed body. */
  async check(method: string, docPath: string, res: Response): Promise<any> {
    const op = this.operation(method, docPath);
    const status = String(res.status);
    const response = op.responses[status] ?? op.responses.default;
    if (!response) throw new Error(`${method} ${docPath} answered ${status}, which the document does not list`);
    this.seen.add(`${method.toUpperCase()} ${docPath} ${status}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const text = await res.text();
    if (!response.content) {
      if (text.length) throw new Error(`${method} ${docPath} ${status}: the document says no body, got ${text.slice(0, 200)}`);
      return null;
    }
    const listed = Object.keys(response.content);
    if (!listed.includes(type) && !listed.includes('application/octet-stream'))
      throw new Error(`${method} ${docPath} ${status}: content-type ${type} is not among ${listed.join(', ')}`);
    if (type !== 'application/json') return text;
    const body = JSON.parse(text);
    const key = `${method} ${docPath} ${status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(response.content['application/json'].schema);
      this.cache.set(key, validate);
    }
    if (!validate(body))
      throw new Error(
        `${key}: body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 1500)}`,
      );
    return body;
  }
}
