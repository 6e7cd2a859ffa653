// Request bodies: only application/json, read as text (the envelope reaches the database exactly
// as sent: numbers keep all their digits), refused while streaming once over the limit.
import express, { type RequestHandler } from 'express';
import { HttpProblem, titleOf } from './errors.js';

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    return next(new HttpProblem(415, titleOf(415), 'send Content-Type: application/json'));
  }
  next();
};

export function jsonText(limitBytes: number): RequestHandler {
  return express.text({ type: () => true, limit: limitBytes, defaultCharset: 'utf-8' });
}

export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') throw new HttpProblem(400, titleOf(400), 'the body is empty; send a JSON document');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, titleOf(400), 'the body is not valid JSON');
  }
}
