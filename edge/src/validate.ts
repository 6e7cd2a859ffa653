import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { HttpProblem, titleOf, type FieldError } from './errors.js';
import { components } from './schemas.js';

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
for (const [name, schema] of Object.entries(components)) ajv.addSchema(schema, `#/components/schemas/${name}`);

function fieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : null;
    const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : null;
    const path = [e.instancePath.replace(/^\//, '').replace(/\//g, '.'), missing ?? extra].filter(Boolean).join('.');
    return { path, message: extra ? 'is not allowed' : missing ? 'is required' : e.message ?? 'is invalid' };
  });
}

/** Validates (and, for query strings, coerces and defaults) a value, or throws a 422 problem. */
export function validate<T>(schema: object, value: unknown, what = 'the request'): T {
  const check = ajv.compile(schema);
  if (!check(value)) throw new HttpProblem(422, titleOf(422), `${what} is invalid`, fieldErrors(check.errors));
  return value as T;
}
