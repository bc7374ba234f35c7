// `npm run bench -- AREA [--quick]`: runs bench/AREA.ts, which prints a table and writes bench/results/AREA.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [area, ...rest] = process.argv.slice(2);
const areas = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (!area || area === '--help') {
  console.log(`Usage: npm run bench -- AREA [--quick]\nAreas: ${areas.join(', ') || '(none yet)'}\nExample: npm run bench -- net --quick`);
  process.exit(area ? 0 : 2);
}
if (!existsSync(`bench/${area}.ts`)) {
  console.error(`bench: no benchmark '${area}' (have: ${areas.join(', ')})`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${area}.ts`, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
