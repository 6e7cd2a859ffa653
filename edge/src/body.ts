// Request bodies, read by this module alone: only application/json, in UTF-8, decoded strictly (a
// byte that is not UTF-8 is refused, never replaced: two bodies differing in one invalid byte must
// not become the same text), inflated when sent gzip, deflate or br and limited by the inflated
// size while streaming, and cut when they take longer than the body timeout. The text then reaches
// the database as sent: numbers keep all their digits.
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Request, RequestHandler } from 'express';
import { HttpProblem, titleOf, type FieldError } from './errors.js';

/**
 * A refused body. `reason` is the rejection reason it is recorded with on the producer routes, or
 * null when there is no arrival to record (a timeout, a client gone).
 */
export class BodyProblem extends HttpProblem {
  constructor(status: number, detail: string, readonly reason: string | null, errors?: FieldError[],
    headers: Record<string, string> = {}, readonly excerpt?: string) {
    super(status, titleOf(status), detail, errors, headers);
  }

  withExcerpt(excerpt: string): BodyProblem {
    return new BodyProblem(this.status, this.detail!, this.reason, this.errors, this.headers, excerpt);
  }
}

// The rest of a refused body is not read: the connection is closed after the answer.
const CLOSE = { connection: 'close' };

export const requireJson: RequestHandler = (req, _res, next) => {
  // The usual header, with no parameter, needs no parsing.
  if (req.headers['content-type'] === 'application/json') return next();
  if (!req.is('application/json')) {
    return next(new BodyProblem(415, 'send Content-Type: application/json', 'UNSUPPORTED_MEDIA_TYPE'));
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    return next(new BodyProblem(415, 'JSON is UTF-8: send no charset or charset=utf-8', 'UNSUPPORTED_MEDIA_TYPE'));
  }
  next();
};

export interface BodyOptions { limitBytes: number; timeoutMs: number }

function inflaterFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case 'identity': return null;
    case 'gzip': case 'x-gzip': return zlib.createGunzip();
    case 'deflate': return zlib.createInflate();
    case 'br': return zlib.createBrotliDecompress();
    default: throw new BodyProblem(415, 'Content-Encoding may be gzip, deflate or br', 'UNSUPPORTED_MEDIA_TYPE');
  }
}

/**
 * Streams the body's bytes, inflated, to `onChunk` as they arrive. Refused with 413 once more than
 * limitBytes have arrived or been inflated (not after), with 408 after timeoutMs, with 400 when the
 * compressed stream is corrupt; an error thrown by `onChunk` ends the reading too.
 */
export function streamBody(req: Request, { limitBytes, timeoutMs }: BodyOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
    let inflater: ReturnType<typeof inflaterFor>;
    try {
      inflater = inflaterFor(encoding);
    } catch (error) {
      return reject(error);
    }
    const tooLarge = () => new BodyProblem(413, `the body is larger than ${limitBytes} bytes${inflater ? ' once inflated' : ''}`,
      'PAYLOAD_TOO_LARGE', undefined, CLOSE);
    if (Number(req.headers['content-length']) > limitBytes) return reject(tooLarge());

    const source: Readable = inflater ?? req;
    let sent = 0;
    let inflated = 0;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', countSent).off('error', onRequestError).off('close', onClose);
      source.off('data', onData).off('end', onEnd);
      if (!error) return resolve();
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      req.pause();
      reject(error);
    };
    const timer = setTimeout(() => finish(new BodyProblem(408, `the body did not arrive within ${timeoutMs} ms`, null, undefined, CLOSE)), timeoutMs);
    const countSent = (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > limitBytes) finish(tooLarge());
    };
    const onData = (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > limitBytes) return finish(tooLarge());
      try {
        onChunk(chunk);
      } catch (error) {
        finish(error);
      }
    };
    const onEnd = () => finish();
    const onRequestError = () => finish(new BodyProblem(400, 'the request ended before its body', null, undefined, CLOSE));
    const onClose = () => { if (!req.complete) onRequestError(); };

    req.on('error', onRequestError).on('close', onClose);
    if (inflater) {
      req.on('data', countSent);
      inflater.on('error', () => finish(new BodyProblem(400, `the body is not valid ${encoding}`, 'INVALID_ENCODING', undefined, CLOSE)));
      req.pipe(inflater);
    }
    source.on('data', onData).on('end', onEnd);
  });
}

/** Where the first byte that is not UTF-8 is, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    const trailing = lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (trailing < 0 || !isUtf8(bytes.subarray(i, i + trailing + 1))) return i;
    i += trailing + 1;
  }
  return -1;
}

/** The problem of bytes that are not UTF-8, with where, and the text as an excerpt for the record. */
export function invalidUtf8(bytes: Buffer, offset = 0): BodyProblem {
  const at = firstInvalidUtf8(bytes);
  return new BodyProblem(400, 'the body is not valid UTF-8', 'INVALID_ENCODING',
    [{ path: '', message: `byte ${offset + at} is not UTF-8` }], {}, bytes.subarray(0, 4096).toString('utf8'));
}

/** Bytes → text, strictly: anything that is not UTF-8 is a 400, never a U+FFFD. A leading BOM is dropped. */
export function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw invalidUtf8(bytes);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

/** Reads the body as strict UTF-8 text into req.body (a string, possibly empty). */
export function jsonText(options: BodyOptions): RequestHandler {
  return async (req, _res, next) => {
    const chunks: Buffer[] = [];
    try {
      await streamBody(req, options, (chunk) => chunks.push(chunk));
      req.body = decodeUtf8(Buffer.concat(chunks));
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') throw new HttpProblem(400, titleOf(400), 'the body is empty; send a JSON document');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, titleOf(400), 'the body is not valid JSON');
  }
}
