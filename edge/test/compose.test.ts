// docker-compose.yml and the Dockerfile, checked without a Docker engine: the file parses, the
// services are wired (healthchecks, volume, start order), every variable compose sets is one the
// code reads, every variable the code needs is set, and the image's command, port and packages hold.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../src/paths.js';

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');
const compose = parse(read('docker-compose.yml'));
const dockerfile = read('Dockerfile');
const postgres = compose.services.postgres;
const edge = compose.services.edge;

/** Compose's `${VAR:-default}` interpolation, as it happens with no .env and nothing exported. */
const interpolate = (value: unknown) => String(value).replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name, fallback) => fallback ?? '');

function sourceFiles(dir = path.join(projectRoot, 'edge/src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}
const sources = sourceFiles().map((file) => readFileSync(file, 'utf8'));
const code = sources.join('\n');

/** Every `process.env.X` the edge reads, and whether some read of it falls back to a default. */
const envReads = new Map<string, boolean>();
for (const match of code.matchAll(/process\.env\.([A-Z0-9_]+)(\s*(\?\?|\|\|))?/g)) {
  envReads.set(match[1], (envReads.get(match[1]) ?? false) || Boolean(match[2]));
}

/** Variables whose default is wrong in a container, though the code has one. */
const REQUIRED_IN_CONTAINER = {
  HOST: 'the default 127.0.0.1 cannot be reached from outside the container',
  PORT: 'must be the port the image EXPOSEs and compose publishes',
};
/** Variables read without a default on purpose. */
const OPTIONAL = {
  GRAPHILE_ENV: 'Grafast mode; unset means production',
  LEDGER_SAFE_PG_PORT: 'the embedded server\'s port; unused with DATABASE_URL',
};

const edgeEnv: Record<string, string> = Object.fromEntries(Object.entries(edge.environment).map(([k, v]) => [k, interpolate(v)]));
const dockerfileEnv = new Set([...dockerfile.matchAll(/^ENV\s+(.+)$/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)=/g)].map((e) => e[1])));
const dockerfileEnvValue = (name: string) => new RegExp(`^ENV\\s.*\\b${name}=(\\S+)`, 'm').exec(dockerfile)?.[1];

describe('docker-compose.yml', () => {
  test('postgres: PostgreSQL 16, pg_isready healthcheck, data on a named volume', () => {
    expect(postgres.image).toBe('postgres:16');
    expect(JSON.stringify(postgres.healthcheck.test)).toContain('pg_isready');
    const mount = postgres.volumes.map(String).find((v: string) => v.endsWith(':/var/lib/postgresql/data'));
    expect(mount).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(mount.split(':')[0]);
  });

  test('edge: built from this folder, started once postgres is healthy, with a healthcheck on /v1/health', () => {
    expect(edge.build.context).toBe('.');
    expect(existsSync(path.join(projectRoot, edge.build.context, edge.build.dockerfile ?? 'Dockerfile'))).toBe(true);
    expect(edge.depends_on.postgres.condition).toBe('service_healthy');
    expect(JSON.stringify(edge.healthcheck.test)).toContain(`:${edgeEnv.PORT}/v1/health`);
  });

  test('every variable compose sets on the edge is one the edge reads', () => {
    expect(Object.keys(edgeEnv).filter((name) => !envReads.has(name))).toEqual([]);
  });

  test('every variable the edge reads without a safe default is set', () => {
    const needed = [...envReads].filter(([name, hasDefault]) => (!hasDefault || name in REQUIRED_IN_CONTAINER) && !(name in OPTIONAL)).map(([name]) => name);
    expect(needed).toEqual(expect.arrayContaining(['DATABASE_URL', 'HOST', 'PORT']));
    expect(needed.filter((name) => !(name in edgeEnv) && !dockerfileEnv.has(name))).toEqual([]);
    expect(edgeEnv.HOST).toBe('0.0.0.0');
  });

  test('the owner URL is the postgres service\'s superuser and database', () => {
    const url = new URL(edgeEnv.DATABASE_URL);
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.environment.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(interpolate(postgres.environment.POSTGRES_PASSWORD));
    expect(url.pathname).toBe(`/${postgres.environment.POSTGRES_DB}`);
  });

  test('the edge serves as ledger_edge, whose login the postgres init creates with the same password', () => {
    const url = new URL(edgeEnv.EDGE_DATABASE_URL);
    expect(url.username).toBe('ledger_edge');
    expect(url.hostname).toBe('postgres');
    const mounted = postgres.configs.find((c: { target: string }) => c.target.startsWith('/docker-entrypoint-initdb.d/'));
    const init = interpolate(compose.configs[mounted.source].content);
    expect(init).toMatch(/create role ledger_edge login noinherit/);
    expect(init).toContain(`password '${decodeURIComponent(url.password)}'`);
    // The migration creates the role only when it is missing, so the login survives it.
    expect(read('db/migrations/20261126000100_schemas_and_roles.sql')).toMatch(/if not exists \(select from pg_roles where rolname = 'ledger_edge'\)/);
  });

  test('the published port is the one the edge listens on', () => {
    const published = edge.ports.map((p: unknown) => interpolate(p));
    expect(published.some((p: string) => p.endsWith(`:${edgeEnv.PORT}`))).toBe(true);
  });
});

/** Node's LTS lines and the day each stops being maintained (nodejs.org/en/about/previous-releases). */
const NODE_LTS_END: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

describe('Dockerfile', () => {
  test('slim Debian images, npm ci, npm run build', () => {
    expect(dockerfile).toMatch(/^FROM node:\d+-bookworm-slim\b/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
  });

  test('every stage runs one Node LTS that is still maintained and that PostGraphile supports', () => {
    const majors = [...dockerfile.matchAll(/^FROM node:(\d+)\b/gm)].map((m) => Number(m[1]));
    expect(majors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(majors).size).toBe(1);
    const [major] = majors;
    expect(NODE_LTS_END[major], `Node ${major} is not an LTS line`).toBeDefined();
    expect(new Date(NODE_LTS_END[major]).getTime(), `Node ${major} is past its end of life`).toBeGreaterThan(Date.now());
    const engines = JSON.parse(read('node_modules/postgraphile/package.json')).engines.node as string;
    expect(major).toBeGreaterThanOrEqual(Number(/>=\s*(\d+)/.exec(engines)![1]));
    expect(read('README.md')).toContain(`Node ${major}`);
  });

  test('the command exists: bin/ledger-safe.js start', () => {
    const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)![1]);
    expect(cmd).toEqual(['node', 'bin/ledger-safe.js', 'start']);
    expect(existsSync(path.join(projectRoot, cmd[1]))).toBe(true);
    expect(read('edge/src/cli.ts')).toMatch(/'start'/);
    expect(read('package.json')).toContain('"ledger-safe": "bin/ledger-safe.js"');
  });

  test('EXPOSE is the PORT of the image and of compose', () => {
    const exposed = /^EXPOSE\s+(\d+)/m.exec(dockerfile)?.[1];
    expect(exposed).toBe(dockerfileEnvValue('PORT'));
    expect(exposed).toBe(edgeEnv.PORT);
  });

  test('a healthcheck on /v1/health without curl', () => {
    const healthcheck = /^HEALTHCHECK\b(.*\\\n)*.*$/m.exec(dockerfile)?.[0] ?? '';
    expect(healthcheck).toContain('/v1/health');
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  test('every package the edge loads at run time is installed without devDependencies, as in the image', () => {
    const lock = JSON.parse(read('package-lock.json'));
    const loaded = new Set<string>();
    for (const source of sources) {
      const specifiers = [
        ...[...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]),
        ...[...source.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]),
        ...[...source.matchAll(/\bimport\('([^']+)'\)/g)].map((m) => m[1]),
        ...[...source.matchAll(/require\.resolve\('([^']+)'\)/g)].map((m) => m[1]),
      ];
      for (const s of specifiers) {
        if (s.startsWith('.') || s.startsWith('node:')) continue;
        loaded.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);
      }
    }
    expect(loaded.size).toBeGreaterThan(5);
    // `npm ci --omit=dev` installs what the lockfile does not mark dev-only.
    expect([...loaded].filter((name) => !lock.packages[`node_modules/${name}`] || lock.packages[`node_modules/${name}`].dev)).toEqual([]);
  });

  test('.dockerignore keeps local state and builds out of the image', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.ledger-safe', 'edge/dist', '.git']));
  });
});
