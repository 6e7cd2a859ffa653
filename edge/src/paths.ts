import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder, whether running from edge/src (vitest) or edge/dist (node). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
