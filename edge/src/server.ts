export async function start(): Promise<void> {
  throw new Error('not yet');
}
