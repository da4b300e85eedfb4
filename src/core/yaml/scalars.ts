/**
 * Scalars as the `yaml` package (2.x, YAML 1.2 core schema, its defaults) resolves them:
 * plain scalars to null, booleans, numbers or strings, and the escapes of double-quoted ones.
 *
 * Pure: no I/O, no clock, no randomness.
 */

// String methods are called through the prototype's functions, not as methods: see fast.ts.
const charCodeAt = String.prototype.charCodeAt;
const indexOf = String.prototype.indexOf;
const slice = String.prototype.slice;
const substring = String.prototype.substring;

// The core schema's tests, in the order the `yaml` package tries them (null and bool are checked by hand).
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The value of a plain (unquoted) scalar: null, a boolean, a number, or the string itself. */
export function resolvePlain(s: string): unknown {
  const n = s.length;
  if (n === 0) return null;
  switch (charCodeAt.call(s, 0)) {
    case 0x7e: // ~
      return n === 1 ? null : s;
    case 0x6e: // n
    case 0x4e: // N
      return n === 4 && (s === 'null' || s === 'Null' || s === 'NULL') ? null : s;
    case 0x74: // t
    case 0x54: // T
      return n === 4 && (s === 'true' || s === 'True' || s === 'TRUE') ? true : s;
    case 0x66: // f
    case 0x46: // F
      return n === 5 && (s === 'false' || s === 'False' || s === 'FALSE') ? false : s;
    case 0x2b: // +
    case 0x2d: // -
    case 0x2e: // .
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: // 0-4
    case 0x35: case 0x36: case 0x37: case 0x38: case 0x39: // 5-9
      return resolveNumeric(s);
    default:
      return s;
  }
}

function resolveNumeric(s: string): unknown {
  if (INT_OCT.test(s)) return parseInt(substring.call(s, 2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(substring.call(s, 2), 16);
  if (FLOAT_NAN.test(s)) {
    if (slice.call(s, -3).toLowerCase() === 'nan') return NaN;
    return charCodeAt.call(s, 0) === 0x2d ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/** The property name a resolved key becomes in a plain object (the `yaml` package's rule). */
export function keyString(key: unknown): string {
  return key === null ? '' : typeof key === 'string' ? key : String(key);
}

/** Single-character escapes of double-quoted scalars, by the character after the backslash. */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * The value of the double-quoted scalar whose content (between the quotes) is src[start, end),
 * folding line breaks as the `yaml` package does. Returns null for an escape that package
 * reports as an error (unknown escape, bad hex digits, a code point out of range).
 */
export function doubleQuotedValue(src: string, start: number, end: number): string | null {
  let out = '';
  let run = start; // start of the pending run of literal characters
  for (let i = start; i < end; i++) {
    const c = charCodeAt.call(src, i);
    if (c === 0x5c) {
      // backslash
      out += slice.call(src, run, i);
      const next = src[i + 1];
      const esc = ESCAPES[next];
      if (esc !== undefined) {
        out += esc;
        i += 1;
      } else if (next === '\n') {
        // an escaped line break: dropped, with the next line's leading white space
        i += 1;
        while (i + 1 < end && (charCodeAt.call(src, i + 1) === 0x20 || charCodeAt.call(src, i + 1) === 0x09)) i++;
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const n = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        if (i + 2 + n > end) return null;
        for (let k = i + 2; k < i + 2 + n; k++) if (!isHex(charCodeAt.call(src, k))) return null;
        const code = parseInt(slice.call(src, i + 2, i + 2 + n), 16);
        if (code > 0x10ffff) return null;
        out += String.fromCodePoint(code);
        i += 1 + n;
      } else {
        return null;
      }
      run = i + 1;
    } else if (c === 0x0a) {
      // a line break folds: one into a space, n + 1 into n line breaks
      out += slice.call(src, run, i);
      let breaks = 0;
      let j = i + 1;
      for (; j < end; j++) {
        const d = charCodeAt.call(src, j);
        if (d === 0x0a) breaks++;
        else if (d !== 0x20 && d !== 0x09) break;
      }
      out += breaks === 0 ? ' ' : '\n'.repeat(breaks);
      i = j - 1;
      run = j;
    } else if (c === 0x20 || c === 0x09) {
      // white space before a line break is dropped
      let j = i + 1;
      while (j < end && (charCodeAt.call(src, j) === 0x20 || charCodeAt.call(src, j) === 0x09)) j++;
      if (j < end && charCodeAt.call(src, j) === 0x0a) {
        out += slice.call(src, run, i);
        run = j;
      }
      i = j - 1;
    }
  }
  return out + slice.call(src, run, end);
}

/**
 * The value of a multi-line flow scalar's text (a plain scalar, or a single-quoted one between
 * its quotes before `''` is unescaped): the first line's trailing white space, the inner lines'
 * leading and trailing white space and the last line's leading white space are dropped; one
 * line break becomes a space, n + 1 become n line breaks (the `yaml` package's unfoldLines).
 */
export function unfoldLines(text: string): string {
  let nl = indexOf.call(text, '\n');
  if (nl === -1) return text;
  let res = trimEnd(slice.call(text, 0, nl));
  let sep = ' ';
  let from = nl + 1;
  for (nl = indexOf.call(text, '\n', from); nl !== -1; nl = indexOf.call(text, '\n', from)) {
    const line = trimEnd(trimStart(slice.call(text, from, nl)));
    if (line === '') {
      if (sep === '\n') res += sep;
      else sep = '\n';
    } else {
      res += sep + line;
      sep = ' ';
    }
    from = nl + 1;
  }
  return res + sep + trimStart(slice.call(text, from));
}

function trimStart(s: string): string {
  let i = 0;
  while (i < s.length && (charCodeAt.call(s, i) === 0x20 || charCodeAt.call(s, i) === 0x09)) i++;
  return i === 0 ? s : slice.call(s, i);
}

function trimEnd(s: string): string {
  let i = s.length;
  while (i > 0 && (charCodeAt.call(s, i - 1) === 0x20 || charCodeAt.call(s, i - 1) === 0x09)) i--;
  return i === s.length ? s : slice.call(s, 0, i);
}
