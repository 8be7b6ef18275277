/**
 * JSON text ⇄ values without rounding integers beyond 2^53.
 *
 * DuckDB's serialized parse trees hold integer constants as JSON numbers
 * (`9007199254740993::BIGINT` keeps its digits there); `JSON.parse` would turn
 * them into the nearest double, and a re-rendered query would compute with a
 * different value. Integers too long to be exact travel through the tree as
 * marker strings and are written back as bare numbers. So do numbers written
 * with a fraction or an exponent: `1e12` is a DOUBLE in the tree, and written
 * back without its `.0` DuckDB would read it as an integer and refuse the tree.
 */

const MARKER = '\u0000exact-int:';
// 2^53 has 16 digits: anything with 16 or more may not survive a double.
const LONG_INTEGER = /^-?\d{16,}$/;
const FLOAT = /[.eE]/;

/**
 * The value of an integer constant as parseExactJson left it: a safe JSON number, or the
 * marker string of a long integer; undefined for anything else (a float, a marked float).
 */
export function exactInteger(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value !== 'string' || !value.startsWith(MARKER)) return undefined;
  const digits = value.slice(MARKER.length);
  return /^-?\d+$/.test(digits) ? BigInt(digits) : undefined;
}

/** JSON.parse, keeping long integers (outside strings) as marker strings. */
export function parseExactJson(text: string): unknown {
  return JSON.parse(markLongIntegers(text));
}

/** JSON.stringify, writing marker strings back as the integers they stand for. */
export function stringifyExactJson(value: unknown): string {
  const escapedMarker = JSON.stringify(MARKER).slice(1, -1);
  return JSON.stringify(value).replace(new RegExp(`"${escapedMarker.replace(/\\/g, '\\\\')}(-?[0-9.eE+-]+)"`, 'g'), '$1');
}

/** Wraps every number token of 16+ digits that is not inside a JSON string in quotes with the marker. */
export function markLongIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, honouring backslash escapes.
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
      const token = text.slice(i, end);
      // A float JSON would print as an integer (`1000000000000.0` → `1000000000000`) keeps its text.
      if (LONG_INTEGER.test(token) || (FLOAT.test(token) && /^-?\d+$/.test(String(Number(token))))) {
        out += text.slice(copiedUpTo, i) + JSON.stringify(MARKER + token);
        copiedUpTo = end;
      }
      i = end;
      continue;
    }
    i++;
  }
  return out + text.slice(copiedUpTo);
}
