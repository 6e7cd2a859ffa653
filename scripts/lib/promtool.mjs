// promtool is not on npm: take it from the system if installed, else from Debian's `prometheus`
// package, downloaded and unpacked into .cache/ (nothing is installed or started).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const PACKAGE = 'prometheus';

function onPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function fetchDebianPackage(cacheDir) {
  mkdirSync(cacheDir, { recursive: true });
  const debs = () => readdirSync(cacheDir).filter((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (debs().length === 0) {
    try {
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cacheDir, stdio: 'pipe' });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe' });
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cacheDir, stdio: 'pipe' });
    }
  }
  execFileSync('dpkg', ['-x', path.join(cacheDir, debs()[0]), path.join(cacheDir, 'root')]);
}

/** The path of a promtool binary (PROMTOOL, the system's, or Debian's unpacked into .cache/prometheus). */
export function findPromtool(projectRoot) {
  if (process.env.PROMTOOL && existsSync(process.env.PROMTOOL)) return process.env.PROMTOOL;
  const system = onPath();
  if (system) return system;
  const cacheDir = path.join(projectRoot, '.cache/prometheus');
  const cached = path.join(cacheDir, 'root/usr/bin/promtool');
  if (!existsSync(cached)) fetchDebianPackage(cacheDir);
  if (!existsSync(cached)) throw new Error(`promtool not found: install Debian's ${PACKAGE}, or set PROMTOOL`);
  return cached;
}
