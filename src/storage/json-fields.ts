/**
 * Checks for hand-editable JSON (the manifest): each returns the value with
 * its static type or throws a ManifestError naming where it was found, e.g.
 * `tables.orders.partitions[2].rows: expected a non-negative integer`.
 */
import { ManifestError, assertRelativePath } from './manifest.ts';

export function record(value: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestError(`${where}: expected a ${what} (JSON object)`);
  return value as Record<string, unknown>;
}

export function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ManifestError(`${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
}

export function text(value: unknown, where: string, emptyAllowed = false): string {
  if (typeof value !== 'string' || (!emptyAllowed && value === '')) throw new ManifestError(`${where}: expected a ${emptyAllowed ? '' : 'non-empty '}string`);
  return value;
}

export function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ManifestError(`${where}: expected a non-negative integer`);
  return value;
}

export function list<T>(value: unknown, where: string, item: (value: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) throw new ManifestError(`${where}: expected an array`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

/**
 * An object used as a map, checked entry by entry. Object.fromEntries keeps a
 * key such as `__proto__` an ordinary property instead of a prototype change.
 */
export function entries<T>(value: unknown, where: string, item: (value: unknown, where: string, key: string) => T): Record<string, T> {
  const object = record(value, where, 'object');
  return Object.fromEntries(Object.entries(object).map(([key, v]) => [key, item(v, `${where}.${key}`, key)]));
}

/** A path inside the data directory (see assertRelativePath). */
export function relativePath(value: unknown, where: string): string {
  const candidate = text(value, where);
  try {
    return assertRelativePath(candidate);
  } catch (error) {
    throw new ManifestError(`${where}: ${(error as Error).message}`);
  }
}
