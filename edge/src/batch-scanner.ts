// POST /v1/events/batch's body `{"events": [item, …]}`, split while it streams. A JSON grammar check
// over the bytes (RFC 8259, no value built) that keeps each item's own text exactly as sent, with
// the nesting depth of its containers, so that the database judges every item alone (size,
// nesting, what jsonb cannot hold, the envelope) and the edge never builds the batch as objects.
// The whole body is refused only when it is not JSON (400) or not of that shape (422).
import { isUtf8 } from 'node:buffer';
import { HttpProblem, titleOf } from './errors.js';
import { BodyProblem, firstInvalidUtf8 } from './body.js';

export interface BatchItem {
  /** The item's text as sent; null when its bytes are not UTF-8. */
  text: string | null;
  /** Containers nested in the item: 0 for a scalar, 1 for {"a": 1}. */
  depth: number;
  /** Where in the item the first byte that is not UTF-8 is, and its start as read (when text is null). */
  invalidUtf8At?: number;
  excerpt?: string;
}

// Grammar states.
const VALUE = 0; // a value must start
const AFTER_VALUE = 1; // `,`, a closing bracket, or the end
const KEY_OR_CLOSE = 2; // after `{`
const KEY = 3; // after `,` in an object
const COLON = 4;
const VALUE_OR_CLOSE = 5; // after `[`
const STRING = 6;
const ESCAPE = 7;
const UNICODE = 8;
const NUMBER = 9;
const LITERAL = 10;

// Number sub-states: what was read last.
const N_MINUS = 0, N_ZERO = 1, N_INT = 2, N_DOT = 3, N_FRAC = 4, N_E = 5, N_E_SIGN = 6, N_EXP = 7;

const OBJECT = 1, ARRAY = 2;
const QUOTE = 0x22, BACKSLASH = 0x5c;
const KEY_CAPTURE = 64;
const LITERALS: Record<number, Buffer> = { 0x74: Buffer.from('true'), 0x66: Buffer.from('false'), 0x6e: Buffer.from('null') };
const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export class BatchScanner {
  readonly items: BatchItem[] = [];
  /** Items seen, stored or not (past maxItems only counted). */
  count = 0;
  private state = VALUE;
  private stack = new Uint8Array(64);
  private depth = 0;
  /** Where the chunk being read starts in the body, and the byte being read in that chunk. */
  private base = 0;
  private at = 0;
  private inKey = false;
  private unicodeLeft = 0;
  private numberState = N_MINUS;
  private literal: Buffer = LITERALS[0x74];
  private literalAt = 0;
  // The top-level object's members.
  private keyBytes: number[] = [];
  private keyEscaped = false;
  private keyLong = false;
  private member: 'events' | 'other' | null = null;
  private eventsSeen = false;
  private eventsOpen = false;
  private shapeError: HttpProblem | null = null;
  // The item being read.
  private inItem = false;
  private itemParts: Buffer[] = [];
  private itemStart = 0;
  private itemMaxDepth = 0;

  constructor(private readonly maxItems: number) {}

  /** Reads the next bytes of the body; throws 400 as soon as they are not JSON. */
  push(chunk: Buffer): void {
    if (this.inItem) this.itemStart = 0;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      if (this.state === STRING) {
        // Most of a batch is the inside of strings: skipped in a tight loop.
        const from = i;
        while (i < length) {
          const d = chunk[i];
          if (d === QUOTE || d === BACKSLASH || d < 0x20) break;
          i++;
        }
        if (this.inKey) for (let k = from; k < i; k++) this.captureKey(chunk[k]);
        if (i === length) break;
      }
      const c = chunk[i];
      this.at = i;
      switch (this.state) {
        case STRING:
          if (c === QUOTE) {
            this.endString(chunk, i);
            break;
          }
          if (c < 0x20) this.fail('a control character inside a string');
          this.state = ESCAPE;
          if (this.inKey) this.captureKey(c);
          break;
        case ESCAPE:
          if (c === 0x75) {
            this.state = UNICODE;
            this.unicodeLeft = 4;
          } else if (c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
            this.state = STRING;
          } else {
            this.fail('an invalid escape');
          }
          if (this.inKey) {
            this.keyEscaped = true;
            this.captureKey(c);
          }
          break;
        case UNICODE:
          if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) this.fail('an invalid \\u escape');
          if (--this.unicodeLeft === 0) this.state = STRING;
          if (this.inKey) this.captureKey(c);
          break;
        case NUMBER:
          if (this.number(c)) break;
          // The byte after a number is read as what follows the value.
          this.endNumber(chunk, i);
          if (!isWhitespace(c)) this.structural(chunk, i, c);
          break;
        case LITERAL:
          if (c !== this.literal[this.literalAt]) this.fail('an invalid literal');
          if (++this.literalAt === this.literal.length) this.endValue(chunk, i + 1);
          break;
        default:
          if (!isWhitespace(c)) this.structural(chunk, i, c);
      }
    }
    this.base += chunk.length;
    this.at = 0;
    if (this.inItem) this.itemParts.push(chunk.subarray(this.itemStart));
  }

  /** The body has ended: its items, or the problem of the whole. */
  end(): BatchItem[] {
    if (this.state === NUMBER && this.depth === 0) {
      this.checkNumberEnds();
      this.state = AFTER_VALUE;
    }
    if (this.state !== AFTER_VALUE || this.depth !== 0) {
      if (this.base === 0) throw new BodyProblem(400, 'the body is empty; send {"events": [envelope, …]}', 'INVALID_JSON');
      this.fail('the body ends before the JSON does');
    }
    if (this.shapeError) throw this.shapeError;
    if (!this.eventsSeen) throw shape('the batch must be {"events": [envelope, …]}', 'events', 'is required');
    if (this.count === 0) throw shape('the batch holds no events', 'events', 'must hold at least 1 item');
    if (this.count > this.maxItems) throw shape(`at most ${this.maxItems} events in a batch`, 'events', `must hold at most ${this.maxItems} items`);
    return this.items;
  }

  private fail(what: string): never {
    throw new BodyProblem(400, 'the body is not valid JSON', 'INVALID_JSON', [{ path: '', message: `${what} at byte ${this.base + this.at}` }]);
  }

  private setShapeError(problem: HttpProblem) {
    this.shapeError ??= problem;
  }

  private structural(chunk: Buffer, i: number, c: number) {
    switch (this.state) {
      case VALUE:
      case VALUE_OR_CLOSE:
        if (c === 0x5d && this.state === VALUE_OR_CLOSE) return this.close(chunk, i, ARRAY);
        return this.startValue(chunk, i, c);
      case KEY_OR_CLOSE:
        if (c === 0x7d) return this.close(chunk, i, OBJECT);
      // falls through: a key
      case KEY:
        if (c !== QUOTE) this.fail('a member name was expected');
        this.state = STRING;
        this.inKey = true;
        if (this.depth === 1) {
          this.keyBytes = [];
          this.keyEscaped = false;
          this.keyLong = false;
        }
        return;
      case COLON:
        if (c !== 0x3a) this.fail('`:` was expected');
        this.state = VALUE;
        return;
      case AFTER_VALUE:
        if (this.depth === 0) this.fail('nothing may follow the JSON value');
        if (c === 0x2c) {
          this.state = this.stack[this.depth - 1] === OBJECT ? KEY : VALUE;
          return;
        }
        if (c === 0x7d) return this.close(chunk, i, OBJECT);
        if (c === 0x5d) return this.close(chunk, i, ARRAY);
        this.fail('`,` or a closing bracket was expected');
    }
  }

  private startValue(chunk: Buffer, i: number, c: number) {
    if (this.depth === 0 && c !== 0x7b) this.setShapeError(shape('the batch must be {"events": [envelope, …]}', '', 'must be an object'));
    if (this.depth === 1 && this.member === 'events') {
      if (c === 0x5b) this.eventsOpen = true;
      else this.setShapeError(shape('events must be an array', 'events', 'must be an array'));
    }
    if (this.depth === 2 && this.eventsOpen) {
      this.count++;
      if (this.items.length < this.maxItems) {
        this.inItem = true;
        this.itemParts = [];
        this.itemStart = i;
        this.itemMaxDepth = 2;
      }
    }
    if (c === 0x7b || c === 0x5b) {
      this.open(c === 0x7b ? OBJECT : ARRAY);
      this.state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    } else if (c === QUOTE) {
      this.state = STRING;
      this.inKey = false;
    } else if (c === 0x2d || isDigit(c)) {
      this.state = NUMBER;
      this.numberState = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : N_INT;
    } else if (LITERALS[c]) {
      this.state = LITERAL;
      this.literal = LITERALS[c];
      this.literalAt = 1;
    } else {
      this.fail('a value was expected');
    }
  }

  private open(kind: number) {
    if (this.depth === this.stack.length) {
      const grown = new Uint8Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.depth++] = kind;
    if (this.inItem && this.depth > this.itemMaxDepth) this.itemMaxDepth = this.depth;
  }

  private close(chunk: Buffer, i: number, kind: number) {
    if (this.stack[this.depth - 1] !== kind) this.fail('a bracket closes what it did not open');
    this.depth--;
    if (this.depth === 1 && this.eventsOpen) this.eventsOpen = false;
    this.endValue(chunk, i + 1);
  }

  /** A value ended just before `end` (an index into `chunk`). */
  private endValue(chunk: Buffer, end: number) {
    this.state = AFTER_VALUE;
    if (this.depth === 2 && this.inItem) this.endItem(chunk, end);
    if (this.depth === 1) this.member = null;
  }

  private endString(chunk: Buffer, i: number) {
    if (!this.inKey) return this.endValue(chunk, i + 1);
    this.inKey = false;
    this.state = COLON;
    if (this.depth !== 1) return;
    // Only `events` matters here; a longer name is some other member.
    let name: string | null = null;
    if (!this.keyLong) {
      const key = Buffer.from(this.keyBytes);
      if (!isUtf8(key)) {
        throw new BodyProblem(400, 'the body is not valid UTF-8', 'INVALID_ENCODING',
          [{ path: '', message: `the member name before byte ${this.base + this.at} is not UTF-8` }]);
      }
      name = key.toString('utf8');
      if (this.keyEscaped) name = JSON.parse(`"${name}"`) as string;
    }
    if (name === 'events') {
      if (this.eventsSeen) this.setShapeError(shape('events is given twice', 'events', 'must be given once'));
      this.eventsSeen = true;
      this.member = 'events';
    } else {
      this.member = 'other';
      this.setShapeError(shape('the batch holds only events', name ?? '', 'is not allowed'));
    }
  }

  private captureKey(c: number) {
    if (this.depth !== 1) return;
    if (this.keyBytes.length < KEY_CAPTURE) this.keyBytes.push(c);
    else this.keyLong = true;
  }

  /** Whether `c` continues the number; checks the grammar as it goes. */
  private number(c: number): boolean {
    const digit = isDigit(c);
    switch (this.numberState) {
      case N_MINUS:
        if (!digit) this.fail('a digit was expected');
        this.numberState = c === 0x30 ? N_ZERO : N_INT;
        return true;
      case N_ZERO:
      case N_INT:
        if (digit && this.numberState === N_ZERO) this.fail('a number cannot start with 0');
        if (digit) return true;
        if (c === 0x2e) return (this.numberState = N_DOT), true;
        if (c === 0x65 || c === 0x45) return (this.numberState = N_E), true;
        return false;
      case N_DOT:
        if (!digit) this.fail('a digit was expected');
        this.numberState = N_FRAC;
        return true;
      case N_FRAC:
        if (digit) return true;
        if (c === 0x65 || c === 0x45) return (this.numberState = N_E), true;
        return false;
      case N_E:
        if (c === 0x2b || c === 0x2d) return (this.numberState = N_E_SIGN), true;
      // falls through: a digit must follow
      case N_E_SIGN:
        if (!digit) this.fail('a digit was expected');
        this.numberState = N_EXP;
        return true;
      default:
        return digit;
    }
  }

  /** A number may end after a digit only. */
  private checkNumberEnds() {
    if (this.numberState === N_MINUS || this.numberState === N_DOT || this.numberState === N_E || this.numberState === N_E_SIGN) this.fail('a number ends early');
  }

  private endNumber(chunk: Buffer, i: number) {
    this.checkNumberEnds();
    this.endValue(chunk, i);
  }

  private endItem(chunk: Buffer, end: number) {
    this.inItem = false;
    this.itemParts.push(chunk.subarray(this.itemStart, end));
    const bytes = this.itemParts.length === 1 ? this.itemParts[0] : Buffer.concat(this.itemParts);
    this.itemParts = [];
    const depth = this.itemMaxDepth - 2;
    this.items.push(isUtf8(bytes) ? { text: bytes.toString('utf8'), depth }
      : { text: null, depth, invalidUtf8At: firstInvalidUtf8(bytes), excerpt: bytes.subarray(0, 4096).toString('utf8') });
  }
}

function shape(detail: string, path: string, message: string): HttpProblem {
  return new BodyProblem(422, detail, 'INVALID_ENVELOPE', [{ path, message }]);
}

/** Containers nested in a JSON text at its deepest (brackets in strings not counted), without parsing it. */
export function textDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
