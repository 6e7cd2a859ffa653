// A loopback TCP proxy in front of PostgreSQL that a test can cut, to see the edge without its
// database (refused connections, dropped sessions) and bring it back.
import net from 'node:net';

export interface Proxy { port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }

export async function startProxy(targetPort: number, port = 0): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  const listen = (p: number) => new Promise<number>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  const actual = await listen(port);
  const stop = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return { port: actual, cut: stop, restore: async () => { await listen(actual); }, close: stop };
}
