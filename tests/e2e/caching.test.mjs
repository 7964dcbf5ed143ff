// Caching-specific checks (issue 7): the note's L1 answers every read and never sees a
// write; a write on one instance leaves the others' L1 stale unless invalidations are
// broadcast; a hot key's expiry stampedes the database unless requests are coalesced; an
// L2 outage loses invalidations; the TTL sweep completes. Stale counts are checked by the
// oracle badge. All through the page's own controls.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-caching';

async function staleBadge(lab, state = 'correct') {
  return lab.until(
    async () => lab.loc('truth-stale').first().getAttribute('data-state'),
    (s) => s === state,
    `truth-stale ${state}`,
  );
}

describe('/caching', () => {
  test('the note’s L1 answers every read, never asks L2 or the database, and goes stale', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/caching?v=1&seed=42&step=2000', ROOT);
      await lab.waitStep(2000);
      assert.notEqual(await lab.text('db-rate'), '0.0%');
      await lab.loc('pitfall-l1-always-answers').first().check();
      await lab.waitText('l1-rate', '100.0%');
      assert.equal(await lab.text('l2-rate'), '0.0%');
      assert.equal(parseNumber(await lab.text('db-reads')), 0);
      assert.ok(parseNumber(await lab.text('stale')) > 50, 'reads miss every write');
      assert.match(await lab.text('code-panel'), /@lru_cache/);
      await staleBadge(lab);
    });
  });

  test('a write on one instance: stale L1s elsewhere with local invalidation, none when broadcast', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/caching?v=1&seed=42&l1sync=local&step=1000', ROOT);
      await lab.waitStep(1000);
      await lab.click('fault-write-one-instance');
      await lab.waitText('narration', /Instance 0 is about to update the hot key/);
      await lab.click('step-forward');
      await lab.waitText('narration', /^Instance 0 updated key 1 to version \d+/);
      assert.match(await lab.text('narration'), /Only the local L1 was told: instance\(s\) [\d, ]*1/);
      await lab.click('step-forward');
      await lab.waitText('narration', /^Instance 1 read key 1: an L1 hit.*STALE/);
      await staleBadge(lab);
      await lab.set('param-l1sync', 'broadcast', ['change']);
      await lab.waitText('narration', /^Instance 1 read key 1: .*ms\.$/);
      assert.doesNotMatch(await lab.text('narration'), /STALE/);
      await staleBadge(lab);
    });
  });

  test('a hot key expiring stampedes the database; coalescing makes it one read', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/caching?v=1&seed=42&step=2000', ROOT);
      await lab.waitStep(2000);
      await lab.click('fault-hot-key-expiry');
      await lab.waitText('narration', /expired from every cache just as 50 requests for it arrive/);
      await lab.click('next-notable');
      // A stampede is many concurrent misses of one key (five in flight), not two.
      await lab.waitText('narration', /5 reads of this key are in flight at once: a stampede/);
      await lab.seek(2050);
      await lab.waitStep(2050);
      const wild = parseNumber(await lab.text('db-reads'));
      await lab.set('param-coalesce', 'on', ['change']);
      await lab.until(async () => parseNumber(await lab.text('coalesced')), (n) => n >= 45, 'coalesced waits');
      const calm = parseNumber(await lab.text('db-reads'));
      assert.ok(wild - calm >= 40, `the stampede cost ${wild - calm} extra database reads`);
      await lab.seek(2010);
      await lab.waitText('narration', /waited for the database read already in flight \(coalesced\)/);
      await staleBadge(lab);
    });
  });

  test('an L2 outage: L2 shows down, updates are lost, stale reads follow; the TTL sweep completes', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/caching?v=1&seed=42&writes=0.3&step=1000', ROOT);
      await lab.waitStep(1000);
      const before = parseNumber(await lab.text('stale'));
      await lab.click('fault-l2-outage');
      await lab.waitText('narration', /L2 is unreachable/);
      assert.match(await lab.text('diagram'), /L2 — DOWN/);
      await lab.seek(2500);
      await lab.waitStep(2500);
      assert.doesNotMatch(await lab.text('diagram'), /DOWN/);
      assert.ok(parseNumber(await lab.text('stale')) > before, 'lost invalidations serve stale values');
      await staleBadge(lab);
      await lab.waitText('sweep-status', /^The same requests/, 60_000);
      const rows = await lab.loc('table-sweep').first().locator('tbody tr').count();
      assert.equal(rows, 10);
    });
  });
});
