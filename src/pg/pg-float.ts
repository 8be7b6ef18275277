// PostgreSQL's float4out / float8out text output, reproduced from JS numbers.
//
// extra_float_digits > 0 (the default, 1): PostgreSQL prints the output of its
// Ryu port (src/common/d2s.c, f2s.c), in fixed notation when the decimal
// exponent X satisfies -4 <= X < 15 (float8) / < 6 (float4), else as
// d[.ddd]e±XX with at least two exponent digits — printf's %g thresholds with
// DBL_DIG / FLT_DIG. That Ryu build does not define STRICTLY_SHORTEST, so the
// rounding interval is OPEN: a decimal lying exactly halfway to a neighbouring
// float is never chosen, even though it would read back correctly (PG prints
// 9.9e21 as 9.900000000000001e+21; JS prints 9.9e+21). Among the shortest
// candidates the one nearest the exact value wins, ties to even.
// extra_float_digits <= 0: printf("%.*g", DIG + efd), which rounds the exact
// binary value half-to-even.

const DBL_DIG = 15;
const FLT_DIG = 6;

/** float8out */
export function formatFloat8(x: number, extraFloatDigits: number): string {
  const special = specialValue(x);
  if (special !== undefined) return special;
  if (extraFloatDigits > 0) {
    const a = Math.abs(x);
    // Common case: where both PostgreSQL and JS use fixed notation
    // (1e-4 <= a < 1e15), JS's shortest digits are already PG's text.
    if (a >= 1e-4 && a < 1e15) return x < 0 ? '-' + String(a) : String(a);
    // Below 2^50 no midpoint between adjacent doubles has <= 17 significant
    // digits, so the open/closed interval difference cannot arise and V8's
    // shortest (nearest, ties-to-even) equals Ryu's. Above, decide exactly.
    return layout(x < 0, a < 2 ** 50 ? String(a) : exactShortest64(a), DBL_DIG);
  }
  return formatG(x, Math.max(1, DBL_DIG + extraFloatDigits));
}

/** float4out; `x` must already be a float32 value (Math.fround). */
export function formatFloat4(x: number, extraFloatDigits: number): string {
  const special = specialValue(x);
  if (special !== undefined) return special;
  // Float4 candidates from toPrecision() break ties away from zero and can
  // land on interval bounds, so float4 always takes the exact path.
  if (extraFloatDigits > 0) return layout(x < 0, exactShortest32(Math.abs(x)), FLT_DIG);
  return formatG(x, Math.max(1, FLT_DIG + extraFloatDigits));
}

function specialValue(x: number): string | undefined {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (x !== x) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return undefined;
}

/** Significant digits (no leading/trailing zeros) and decimal exponent of the first digit. */
function decompose(s: string): { digits: string; exp: number } {
  let e = 0;
  const ei = s.indexOf('e');
  let m = s;
  if (ei >= 0) {
    e = Number(s.slice(ei + 1));
    m = s.slice(0, ei);
  }
  const dot = m.indexOf('.');
  const intPart = dot >= 0 ? m.slice(0, dot) : m;
  const all = dot >= 0 ? intPart + m.slice(dot + 1) : intPart;
  let z = 0;
  while (z < all.length - 1 && all.charCodeAt(z) === 0x30) z++;
  let end = all.length;
  while (end > z + 1 && all.charCodeAt(end - 1) === 0x30) end--;
  return { digits: all.slice(z, end), exp: intPart.length - 1 - z + e };
}

/** Render positive decimal string `s` PostgreSQL-style with the %g threshold `p`. */
function layout(negative: boolean, s: string, p: number): string {
  const { digits, exp } = decompose(s);
  let out: string;
  if (exp >= -4 && exp < p) {
    if (exp < 0) out = '0.' + '0'.repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length);
    else out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    const a = exp < 0 ? -exp : exp;
    out = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + (exp < 0 ? 'e-' : 'e+') + (a < 10 ? '0' + a : String(a));
  }
  return negative ? '-' + out : out;
}

/** printf("%.{p}g") with glibc's exact round-half-even. */
function formatG(x: number, p: number): string {
  const a = Math.abs(x);
  let s = a.toPrecision(p);
  // JS rounds exact ties away from zero; C rounds them to even. A tie means the
  // exact binary value ends in 5 right after digit p; 100 digits show it.
  const exact = decompose(a.toPrecision(100));
  if (exact.digits.length === p + 1 && exact.digits[p] === '5') {
    const lastKept = exact.digits.charCodeAt(p - 1) - 0x30;
    if (lastKept % 2 === 0) {
      // Even: truncate instead of rounding up.
      s = `${exact.digits[0]}.${exact.digits.slice(1, p) || '0'}e${exact.exp}`;
    }
  }
  return layout(x < 0, s, p);
}

// ---------------------------------------------------------------- exact Ryu semantics

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function exactShortest64(a: number): string {
  f64[0] = a;
  const bits = u64[0];
  const ieeeMantissa = bits & ((1n << 52n) - 1n);
  const ieeeExponent = Number(bits >> 52n) & 0x7ff;
  const m2 = ieeeExponent === 0 ? ieeeMantissa : (1n << 52n) | ieeeMantissa;
  const e2 = (ieeeExponent === 0 ? 1 : ieeeExponent) - 1023 - 52;
  return ryu(m2, e2, ieeeMantissa !== 0n || ieeeExponent <= 1);
}

function exactShortest32(a: number): string {
  f32[0] = a;
  const bits = u32[0];
  const ieeeMantissa = bits & 0x7fffff;
  const ieeeExponent = (bits >>> 23) & 0xff;
  const m2 = BigInt(ieeeExponent === 0 ? ieeeMantissa : 0x800000 | ieeeMantissa);
  const e2 = (ieeeExponent === 0 ? 1 : ieeeExponent) - 127 - 23;
  return ryu(m2, e2, ieeeMantissa !== 0 || ieeeExponent <= 1);
}

const POW10: bigint[] = [];
function pow10(k: number): bigint {
  let p = POW10[k];
  if (p === undefined) {
    p = 10n ** BigInt(k);
    POW10[k] = p;
  }
  return p;
}

/**
 * Ryu's decision procedure (acceptBounds = false) in exact rational
 * arithmetic: x = m2 * 2^e2 > 0; the legal interval is the open interval
 * between the midpoints to the neighbouring floats (the lower one is closer
 * when m2 is a power of two, i.e. !mmShift). Returns 'DDDe<exp>'.
 */
function ryu(m2: bigint, e2: number, mmShift: boolean): string {
  // Work in units of 2^(e2-2): mv = 4 m2, mp = mv + 2, mm = mv - 1 - mmShift.
  const mv = 4n * m2;
  const mp = mv + 2n;
  const mm = mv - (mmShift ? 2n : 1n);
  const s = e2 - 2;
  const twoS = s >= 0 ? 1n << BigInt(s) : 1n;
  const twoDen = s < 0 ? 1n << BigInt(-s) : 1n;
  // v * 2^s / 10^k as numerator / denominator.
  const frac = (v: bigint, k: number): [bigint, bigint] => k >= 0 ? [v * twoS, twoDen * pow10(k)] : [v * twoS * pow10(-k), twoDen];
  // Largest t with t*10^k < U, and largest t with t*10^k <= L (L itself is excluded).
  const vpAt = (k: number): bigint => { const [n, d] = frac(mp, k); return (n - 1n) / d; };
  const vmAt = (k: number): bigint => { const [n, d] = frac(mm, k); return n / d; };
  // Start where the interval spans many multiples of 10^k, then coarsen while
  // a multiple of 10^(k+1) still fits strictly inside.
  let k = Math.floor(s * 0.30102999566398120) - 2;
  while (vpAt(k + 1) > vmAt(k + 1)) k++;
  const vm = vmAt(k);
  const [n, d] = frac(mv, k);
  let vr = n / d;
  const twiceRem = 2n * (n - vr * d);
  const roundUp = twiceRem > d || (twiceRem === d && (vr & 1n) === 1n);
  if (vr === vm || roundUp) vr += 1n;
  const digits = vr.toString();
  return `${digits[0]}.${digits.slice(1) || '0'}e${k + digits.length - 1}`;
}
