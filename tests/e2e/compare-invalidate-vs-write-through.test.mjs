// /compare/invalidate-vs-write-through (issues 7, 22): the same requests, writes
// invalidating (A) or writing through (B). With slow database reads and plain fills, a read
// that started before a write caches its old answer on both sides; version-guarded fills (a
// shared setting) refuse it on both. Both sides' stale counts are checked by the oracle; a
// fault applies to both sides.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-compare-invalidate-vs-write-through';
const ROUTE = '/compare/invalidate-vs-write-through';

test('slow reads race the writes on both sides with plain fills; the version guard stops both', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=42&db=200&writes=0.3&rate=1000&fill=plain&step=4000`, ROOT);
    await lab.waitStep(4000);
    assert.ok(parseNumber(await lab.text('a-stale')) > 0);
    assert.ok(parseNumber(await lab.text('b-stale')) > 0, 'write-through races too');
    assert.ok(parseNumber(await lab.text('diff-db-reads')) > 0, 'invalidation reads the database more');
    assert.match(await lab.text('trade-off'), /on both sides/);
    for (const side of ['a', 'b']) {
      await lab.until(() => lab.loc(`${side}-truth-stale`).first().getAttribute('data-state'), (s) => s === 'correct', `${side} stale badge`);
    }
    await lab.set('param-fill', 'versioned', ['change']);
    await lab.until(() => lab.text('trade-off'), (t) => /under either strategy/.test(t), 'the guarded verdict');
    assert.equal(parseNumber(await lab.text('a-stale')), 0);
    assert.equal(parseNumber(await lab.text('b-stale')), 0);
  });
});

test('a fault applies to both sides: local invalidation makes both stale', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=42&l1sync=local&step=1000`, ROOT);
    await lab.waitStep(1000);
    const [a0, b0] = [parseNumber(await lab.text('a-stale')), parseNumber(await lab.text('b-stale'))];
    await lab.click('fault-write-one-instance');
    await lab.seek(1003);
    await lab.waitStep(1003);
    assert.match(await lab.text('narration'), /A \(invalidate\): .* B \(write-through\): /);
    const [a1, b1] = [parseNumber(await lab.text('a-stale')), parseNumber(await lab.text('b-stale'))];
    assert.ok(a1 > a0 && b1 > b0, `both sides' other instances read their old copy: ${a0}→${a1}, ${b0}→${b1}`);
  });
});

test('the note’s L1 on both sides: every read an L1 hit, neither strategy helps', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=42&writes=0.3&step=2000`, ROOT);
    await lab.waitStep(2000);
    await lab.loc('pitfall-l1-always-answers').first().check();
    await lab.until(() => lab.text('diff'), (t) => /Cache hit rate\s*100\.0%\s*100\.0%/.test(t), 'both sides answer from L1');
    assert.match(await lab.text('diff'), /Database reads\s*0\s*0/);
    const [a, b] = [parseNumber(await lab.text('a-stale')), parseNumber(await lab.text('b-stale'))];
    assert.ok(a > 100 && a === b, `the same stale reads on both sides (${a}, ${b})`);
    assert.match(await lab.text('trade-off'), /the write strategy cannot matter/);
  });
});
