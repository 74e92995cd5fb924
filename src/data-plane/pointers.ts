/**
 * Where an obligation or the subject counter looks in a record. A name that starts with `/` is a JSON Pointer
 * (RFC 6901: `/patient/name`, `~1` for `/` and `~0` for `~` inside a name); any other name is a top-level key,
 * as `/name` would be. A pointer segment `*` is every element of an array (or every member of an object) at
 * that level, so `/contacts/*\/phone` reaches the phone of each contact.
 */
export type FieldPath = readonly string[];

const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

export function parseField(field: string): FieldPath {
  if (!field.startsWith('/')) return [field];
  return field.slice(1).split('/').map(unescape);
}

/** Whether a field name is well formed: a key, or a pointer whose `~` escapes are all `~0` or `~1`. */
export function isFieldName(field: string): boolean {
  return field.length > 0 && (!field.startsWith('/') || (field.length > 1 && !/~[^01]|~$/.test(field)));
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => value !== null && typeof value === 'object';

/** The value at a path without wildcards, or undefined. */
export function valueAt(record: unknown, path: FieldPath): unknown {
  let at: unknown = record;
  for (const segment of path) {
    if (!isContainer(at)) return undefined;
    at = Array.isArray(at) ? (/^(0|[1-9]\d*)$/.test(segment) ? at[Number(segment)] : undefined) : Object.hasOwn(at, segment) ? at[segment] : undefined;
  }
  return at;
}

const INDEX = /^(0|[1-9]\d*)$/;

/**
 * Changes what a path reaches in a record whose containers along the path may be shared with the input:
 * each container on the way is copied before it is written (the input is never changed). `change` returns the
 * new value, or `undefined` to remove the member.
 *
 * A record shaped otherwise than the path never keeps what the path names: a value that stands where the path
 * goes on and cannot be gone into (`"patient": "Zhang San"` for `/patient/name`, an array for a named segment
 * as in `/contacts/phone`) is changed as a whole. Fail closed: a rule may change more than it names, never less.
 * Only a missing member or null (nothing under it) is left as it is.
 */
export function rewriteAt(root: Record<string, unknown>, path: FieldPath, change: (value: unknown) => unknown): void {
  const set = (container: Container, key: string, index: number, next: unknown): void => {
    if (Array.isArray(container)) container[index] = next === undefined ? null : next;
    else if (next === undefined) delete container[key];
    else container[key] = next;
  };
  const walk = (container: Container, depth: number): void => {
    const segment = path[depth]!;
    const keys = segment === '*' ? (Array.isArray(container) ? container.map((_, i) => String(i)) : Object.keys(container)) : [segment];
    for (const key of keys) {
      const index = Array.isArray(container) ? (INDEX.test(key) ? Number(key) : -1) : -1;
      if (Array.isArray(container) ? index < 0 || index >= container.length : !Object.hasOwn(container, key)) continue;
      const value = Array.isArray(container) ? container[index] : container[key];
      if (depth === path.length - 1) {
        set(container, key, index, change(value));
        continue;
      }
      if (value === null) continue;
      const next = path[depth + 1]!;
      if (!isContainer(value) || (Array.isArray(value) && next !== '*' && !INDEX.test(next))) {
        set(container, key, index, change(value));
        continue;
      }
      const copy: Container = Array.isArray(value) ? value.slice() : { ...value };
      if (Array.isArray(container)) container[index] = copy;
      else container[key] = copy;
      walk(copy, depth + 1);
    }
  };
  if (path.length > 0) walk(root, 0);
}
