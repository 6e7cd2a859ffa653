// Hosts the PostgreSQL cluster of a fault test (see processes.ts): `open` runs openCluster on a
// folder (again after a crash, on the same port), `stop` stops the server it started last.
import { openCluster } from '../../dist/db/embedded.js';

let cluster;

process.on('message', async ({ op, dir, port }) => {
  try {
    if (op === 'open') {
      cluster = await openCluster(dir, { persistent: true, port });
      process.send({ ok: true, port: cluster.port, adminUrl: cluster.adminUrl });
    } else if (op === 'stop') {
      await cluster?.stop();
      cluster = undefined;
      process.send({ ok: true });
    }
  } catch (error) {
    process.send({ ok: false, error: String(error?.message ?? error) });
  }
});

// The test process went away without stopping us: do not leave the server behind.
process.on('disconnect', async () => {
  await cluster?.stop().catch(() => {});
  process.exit(0);
});
