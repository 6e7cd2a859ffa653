// The react-admin console, built by `npm run build:admin` (run on install) into admin/dist, served
// at /admin/ with the SPA's index.html for every client-side route.
import express, { Router } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.js';

export function adminConsole(dist = path.join(projectRoot, 'admin/dist')): Router {
  const router = Router();
  router.get('/admin', (req, res, next) => (req.originalUrl.split('?')[0] === '/admin' ? res.redirect(301, '/admin/') : next()));
  router.use('/admin', express.static(dist, { index: false, maxAge: '1h', immutable: false }));
  router.get(/^\/admin\/(?!api\/).*/, (_req, res) => {
    const index = path.join(dist, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build:admin`.');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
