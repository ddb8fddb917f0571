/**
 * The capacity report (load-tests/reports/load/capacity.{json,html}) from every load
 * run's JSON in that folder:  npm run load:report [-- --dir DIR]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { capacityReport, renderCapacityReport } from './load/capacityReport.js';
import type { LoadRunResult } from './load/report.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const dir = values.dir ?? fileURLToPath(new URL('../reports/load/', import.meta.url));
const results: Array<{ file: string; result: LoadRunResult }> = [];
for (const file of (await fs.readdir(dir)).filter((name) => name.endsWith('.json')).sort()) {
  try {
    const result = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as LoadRunResult;
    if (result.report === 'classbridge-load') results.push({ file, result });
  } catch (error) {
    process.stderr.write(`load:report: skipping ${file}: ${(error as Error).message}\n`);
  }
}
const report = capacityReport(results, new Date());
await fs.writeFile(path.join(dir, 'capacity.json'), `${JSON.stringify(report, null, 2)}\n`);
await fs.writeFile(path.join(dir, 'capacity.html'), renderCapacityReport(report));
process.stdout.write(`${JSON.stringify({ dir, runs: results.length, scenarios: report.scenarios.map((s) => s.scenario), soaks: report.soak.length })}\n`);
