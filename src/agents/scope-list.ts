import { AppError } from '../errors/index.js';

/**
 * Reads a `scopes` field (JSON array or space/comma-separated string) into unique scope names; refuses an
 * empty or malformed list with a 400 naming the field.
 */
export function scopeList(value: unknown, field = 'scopes'): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : undefined;
  if (!raw || raw.some((s) => typeof s !== 'string')) throw new AppError('ERR_VALIDATION', `${field} must be an array of scope names`);
  const scopes = [...new Set((raw as string[]).map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new AppError('ERR_VALIDATION', `${field} must name at least one scope`);
  return scopes;
}
