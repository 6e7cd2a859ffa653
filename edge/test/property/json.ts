// JSON as PostgreSQL's jsonb sees it, computed independently of the database so that the model
// can say what Bronze must hold: a lossless parse (numbers kept as written, the last of repeated
// member names winning), jsonb's output text (keys by length then bytes, ", " and ": ", numeric's
// own digits), the fingerprint (SHA-256 of that text) and RFC 7396 merge patch.
import { createHash } from 'node:crypto';

/** A JSON number as written: never turned into a double. */
export class Num {
  constructor(readonly text: string) {}
}

export type LJson = null | boolean | string | Num | LJson[] | Map<string, LJson>;

const isMap = (value: LJson | undefined): value is Map<string, LJson> => value instanceof Map;

/** Parses JSON text without losing a digit; a repeated member name keeps its last value, as jsonb does. */
export function parse(text: string): LJson {
  let at = 0;
  const fail = (what: string): never => { throw new SyntaxError(`${what} at ${at} in ${text.slice(0, 80)}`); };
  const space = () => { while (/[ \t\n\r]/.test(text[at] ?? '')) at += 1; };
  const value = (): LJson => {
    space();
    const c = text[at];
    if (c === '{') {
      at += 1;
      const members = new Map<string, LJson>();
      space();
      if (text[at] === '}') { at += 1; return members; }
      for (;;) {
        space();
        if (text[at] !== '"') fail('member name expected');
        const name = string();
        space();
        if (text[at] !== ':') fail('":" expected');
        at += 1;
        members.delete(name);
        members.set(name, value());
        space();
        if (text[at] === ',') { at += 1; continue; }
        if (text[at] === '}') { at += 1; return members; }
        fail('"," or "}" expected');
      }
    }
    if (c === '[') {
      at += 1;
      const items: LJson[] = [];
      space();
      if (text[at] === ']') { at += 1; return items; }
      for (;;) {
        items.push(value());
        space();
        if (text[at] === ',') { at += 1; continue; }
        if (text[at] === ']') { at += 1; return items; }
        fail('"," or "]" expected');
      }
    }
    if (c === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(at, at + 100_000));
    if (!literal) return fail('value expected');
    at += literal[0].length;
    return literal[0] === 'true' ? true : literal[0] === 'false' ? false : literal[0] === 'null' ? null : new Num(literal[0]);
  };
  const string = (): string => {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(at));
    if (!match) return fail('string expected');
    at += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  const result = value();
  space();
  if (at !== text.length) fail('end expected');
  return result;
}

/** numeric's output of a JSON number: the value with the scale the input had, no exponent. */
export function numericText(lexeme: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme);
  if (!m) throw new Error(`not a JSON number: ${lexeme}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = m;
  const exponent = Number(exponentText);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const scale = Math.max(0, fraction.length - exponent);
  const integerPart = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
  const fractionPart = (point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0))).padEnd(scale, '0').slice(0, scale);
  const integer = integerPart.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(integer + fractionPart);
  return `${zero ? '' : sign}${integer}${scale ? `.${fractionPart}` : ''}`;
}

/** escape_json of PostgreSQL 16. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** jsonb orders object keys by byte length, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}

/** What `value::jsonb::text` prints. */
export function jsonbText(value: LJson): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quote(value);
  if (value instanceof Num) return numericText(value.text);
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  return `{${[...value.keys()].sort(jsonbKeyOrder).map((k) => `${quote(k)}: ${jsonbText(value.get(k)!)}`).join(', ')}}`;
}

/** The text of a JSON text as jsonb prints it. */
export const canonicalText = (text: string): string => jsonbText(parse(text));

/** ledger_private.fingerprint: SHA-256 of the jsonb text, in hex. */
export const fingerprint = (value: LJson): string => createHash('sha256').update(jsonbText(value), 'utf8').digest('hex');

/** Compact JSON text of a value, numbers as written. */
export function stringify(value: LJson): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Num) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`).join(',')}}`;
}

/** RFC 7396. */
export function mergePatch(target: LJson | undefined, patch: LJson): LJson {
  if (!isMap(patch)) return patch;
  const result = new Map(isMap(target) ? target : []);
  for (const [member, value] of patch) {
    if (value === null) result.delete(member);
    else result.set(member, mergePatch(result.get(member), value));
  }
  return result;
}

/** A member of an object, if the value is one. */
export const member = (value: LJson, name: string): LJson | undefined => (isMap(value) ? value.get(name) : undefined);
export { isMap };
