// A long random workload on every silver table (lake/gold/testing/silver-workload.ts: new, edited
// and deleted activities; raises, new commute modes, departures and re-hires; stadiums, match
// stages and crowd readings), refreshed incrementally, sometimes several silver commits per
// refresh, with restarts in between: the gold maintained this way equals a from-scratch
// recomputation at every checkpoint, and deleted employees leave gold.

import assert from 'node:assert/strict';
import test from 'node:test';
import { DeltaTable } from '../index.js';
import { tempLake } from '../testing/tmp.js';
import { allGold, defaultRules, goldEngine } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';
import { SilverWorkload } from './testing/silver-workload.js';

const SEED = Number(process.env.GOLD_TEST_SEED ?? 20260118);

test(`incrementally maintained gold equals a full recomputation after a random workload (seed ${SEED})`, async (t) => {
  const root = tempLake(t, 'gold-random-');
  const workload = new SilverWorkload(new SilverFixture(root), SEED);
  await workload.seed();
  // small files and frequent compaction, so that refreshes rewrite and join several files
  const settings = { rowsPerFile: 300, compaction: { minFiles: 4, intervalMs: 0 } };
  let engine = goldEngine(root, defaultRules(), settings);
  assert.equal((await engine.start())?.mode, 'full');

  const ROUNDS = 60;
  let refreshes = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (let c = 0, commits = workload.chance(0.5) ? 1 : 3; c < commits; c++) await workload.step();
    // sometimes let silver run ahead: one refresh then covers several commits
    if (workload.chance(0.7)) {
      const report = await engine.refresh();
      assert.notEqual(report?.mode, 'full', `round ${round}: an incremental refresh (${report?.reason})`);
      refreshes++;
    }
    if (round % 20 === 0) {
      // a restart goes on from the versions gold records, without recomputing
      await engine.refresh();
      engine = goldEngine(root, defaultRules(), settings);
      assert.equal(await engine.start(), undefined, `round ${round}: the restarted engine resumes`);
    }
    if (round % 15 === 0 || round === ROUNDS) {
      await engine.refresh();
      const incremental = await allGold(root);
      await engine.recompute('comparison');
      const full = await allGold(root);
      for (const name of Object.keys(full)) {
        assert.equal(incremental[name]!.length, full[name]!.length, `round ${round}: ${name} has as many rows as a full recomputation`);
        assert.deepEqual(incremental[name], full[name], `round ${round}: ${name} equals a full recomputation`);
      }
    }
  }
  assert.ok(refreshes > 30);
  const operations = new Set<string>();
  for (const name of ['activities_enriched', 'employee_benefits', 'match_crowd']) {
    for (const h of await (await DeltaTable.open(root, `gold/${name}`)).history()) operations.add(`${name}:${h.operation}`);
  }
  assert.ok(operations.has('activities_enriched:MERGE') && [...operations].some((o) => o.endsWith(':OPTIMIZE')), `merges and compactions ran: ${[...operations].join(' ')}`);

  // deleted employees left gold; every employee in HR is there
  const gold = await allGold(root);
  assert.ok(workload.departed.size > 0, 'the workload made some employees leave');
  for (const [name, rows] of Object.entries(gold)) {
    const ids = new Set(rows.map((x) => x.employee_id).filter((x) => x !== undefined));
    for (const id of workload.departed) assert.ok(!ids.has(id), `departed employee ${id} left ${name}`);
  }
  const inBenefits = new Set(gold.employee_benefits!.map((x) => x.employee_id));
  for (const id of workload.employees.keys()) assert.ok(inBenefits.has(id), `employee ${id} has benefits rows`);
  assert.deepEqual(gold.activities_enriched!.map((x) => x.activity_id), workload.expectedActivityIds(), 'activities_enriched holds the activities of employees in HR');
});
