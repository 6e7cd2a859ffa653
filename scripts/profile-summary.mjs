// `node scripts/profile-summary.mjs <file.cpuprofile> [top]`: where a Node process spent its CPU, from a
// profile of `node --cpu-prof` (as `BENCH_CPU_PROF=<dir> npm run bench:http` writes them): the share
// of the busy time by package or file (self time), the functions with the most self time, and the
// edge's own functions with the time spent in them and under them (inclusive). Idle time is left
// out of every share: it is waiting, not work.
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

/** Where a frame's code lives: a package, a file of the edge, a Node module, or V8's own work. */
function placeOf({ functionName, url }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/((?:edge|scripts)\/.+)$/.exec(url);
  if (own) return own[1];
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}
const nameOf = ({ functionName, url, lineNumber }) => `${functionName || '(anonymous)'} ${placeOf({ functionName, url })}:${lineNumber + 1}`;

const self = new Map();
const inclusive = new Map();
let busyUs = 0;
let idleUs = 0;
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id);
  if (node.callFrame.functionName === '(idle)') {
    idleUs += us;
    return;
  }
  busyUs += us;
  add(self, node.callFrame, us);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at).callFrame;
    if (!/\/edge\/dist\//.test(frame.url)) continue;
    const name = nameOf(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    add(inclusive, name, us);
  }
});

const share = (us) => `${((100 * us) / busyUs).toFixed(1).padStart(5)} %`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const places = new Map();
const functions = new Map();
for (const [frame, us] of self) {
  add(places, placeOf(frame), us);
  add(functions, nameOf(frame), us);
}
const sorted = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

console.log(`${file}: busy ${ms(busyUs).trim()}, idle ${ms(idleUs).trim()} over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`);
console.log('\nself time by package or file');
for (const [place, us] of sorted(places, top)) console.log(`${share(us)} ${ms(us)}  ${place}`);
console.log('\nfunctions with the most self time');
for (const [name, us] of sorted(functions, top)) console.log(`${share(us)} ${ms(us)}  ${name}`);
console.log('\nthe edge\'s functions, inclusive (their callees counted)');
for (const [name, us] of sorted(inclusive, top)) console.log(`${share(us)} ${ms(us)}  ${name}`);
