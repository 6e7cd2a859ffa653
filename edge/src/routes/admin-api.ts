import { Router } from 'express';
import type { Database } from '../db/pool.js';

export function adminApiRoutes(_db: Database): Router {
  return Router();
}
