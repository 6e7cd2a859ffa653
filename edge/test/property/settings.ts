// fast-check settings shared by the property tests. FC_SEED (and FC_PATH) replay a failure that
// fast-check reported ("seed: …, path: …"); FC_NUM_RUNS changes how many runs a property makes.
import fc from 'fast-check';

export function runs<T>(numRuns: number): fc.Parameters<T> {
  const parameters: fc.Parameters<T> = {
    numRuns: Number(process.env.FC_NUM_RUNS ?? numRuns),
    // A bound on the whole property, shrinking included, so that a file stays within a minute.
    plugins: [fc.interruptAfterTimeLimit(40_000) as fc.Plugin<T>],
  };
  if (process.env.FC_SEED !== undefined) parameters.seed = Number(process.env.FC_SEED);
  if (process.env.FC_PATH !== undefined) parameters.path = process.env.FC_PATH;
  return parameters;
}
