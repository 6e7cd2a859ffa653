import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { HttpProblem, titleOf, type FieldError } from './errors.js';
import { components } from './schemas.js';

// Query strings are text: their numbers are coerced. JSON bodies carry their own types: a number
// where text is wanted is an error, not text.
const forQuery = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const forBody = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, strict: false });
for (const ajv of [forQuery, forBody]) {
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const [name, schema] of Object.entries(components)) ajv.addSchema(schema, `#/components/schemas/${name}`);
}

function fieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : null;
    const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : null;
    const path = [e.instancePath.replace(/^\//, '').replace(/\//g, '.'), missing ?? extra].filter(Boolean).join('.');
    return { path, message: extra ? 'is not allowed' : missing ? 'is required' : e.message ?? 'is invalid' };
  });
}

/** Validates a JSON body (filling defaults), or throws a 422 problem. */
export function validate<T>(schema: object, value: unknown, what = 'the request'): T {
  return check<T>(forBody, schema, value, what);
}

/** Validates a query string, coercing its text to the schema's types, or throws a 422 problem. */
export function validateQuery<T>(schema: object, value: unknown, what = 'the query'): T {
  return check<T>(forQuery, schema, value, what);
}

function check<T>(ajv: Ajv, schema: object, value: unknown, what: string): T {
  const validator = ajv.compile(schema);
  if (!validator(value)) throw new HttpProblem(422, titleOf(422), `${what} is invalid`, fieldErrors(validator.errors));
  return value as T;
}
