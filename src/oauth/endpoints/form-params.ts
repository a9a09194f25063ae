import { InvalidRequest } from '../../errors/index.js';

/**
 * The parameters of an OAuth form request (RFC 6749 §3.1, §3.2): one string each. A repeated parameter is
 * refused, except `resource` (RFC 8707 §2 allows several), returned separately.
 */
export function formParams(body: unknown, contentType: string | undefined): { params: Record<string, string>; resources: string[] } {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? ''))
    throw new InvalidRequest('the body must be application/x-www-form-urlencoded');
  return singleParams(body);
}

/** Like formParams, for an already parsed query string or form (no content-type check). */
export function singleParams(body: unknown, repeatable = 'resource'): { params: Record<string, string>; resources: string[] } {
  if (body === undefined || body === null) return { params: {}, resources: [] };
  if (typeof body !== 'object') throw new InvalidRequest('the body must be application/x-www-form-urlencoded');
  const params: Record<string, string> = {};
  let resources: string[] = [];
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === repeatable) {
      resources = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
      continue;
    }
    if (Array.isArray(v)) throw new InvalidRequest(`parameter ${k} is repeated`);
    if (typeof v !== 'string') throw new InvalidRequest(`parameter ${k} must be a string`);
    if (v !== '') params[k] = v;
  }
  return { params, resources };
}
