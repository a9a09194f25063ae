import { ValidationError } from '../client-errors.js';

/** An action's input given as text (`oauth3 call --data`): one JSON object, else a ValidationError (nothing is sent). */
export function parseActionInput(data: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (e) {
    throw new ValidationError(`--data is not valid JSON: ${(e as Error).message}`, { reason: 'invalid_data' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationError('--data must be a JSON object (the action’s input), e.g. --data \'{"text":"hi"}\'', {
      reason: 'invalid_data',
    });
  return value as Record<string, unknown>;
}
