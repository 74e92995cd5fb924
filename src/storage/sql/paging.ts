import { InputError } from '../../core/errors.ts';

/** A list without a limit returns this many; nobody gets more than MAX_PAGE at once. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export interface Page {
  offset: number;
  limit: number;
}

function count(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${name} must be an integer from ${min} to ${max}`, { [name]: value });
  }
  return value;
}

/** Fills in and checks a page request. */
export function page(request: { offset?: number; limit?: number } = {}): Page {
  return {
    offset: count(request.offset, 0, 'offset', 0, Number.MAX_SAFE_INTEGER),
    limit: count(request.limit, DEFAULT_PAGE, 'limit', 1, MAX_PAGE),
  };
}

/** Checks a batch size (limit from 1 to MAX_PAGE). */
export function batchSize(limit: number): number {
  return count(limit, DEFAULT_PAGE, 'limit', 1, MAX_PAGE);
}
