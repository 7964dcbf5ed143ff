// The compare view (issue 3): /compare/modn-vs-ring runs both schemes on the same orders with one
// transport; a fault applies to both sides; the diff shows what each side moved. The generic
// page-contract walk covers the shared hooks; this file checks what is specific to comparing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup, tid } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-compare-modn-vs-ring';
/** The leading count of a readout such as "293 (80.3%)". */
const leadingCount = (text) => Number(text.trim().split(/\s/)[0].replace(/,/g, ''));
const ROUTE = '/compare/modn-vs-ring';

test('one fault applies to both sides and the diff shows each side’s moves, checked by the oracle', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=5&shards=4&events=2000`, ROOT);
    await lab.seek(1000);
    await lab.waitStep(1000);
    assert.equal(await lab.text('diff-a-moved'), '—', 'no change yet on side A');
    await lab.click('fault-add-shard');
    await lab.until(() => lab.text('diff-a-moved'), (t) => t !== '—', 'diff-a-moved after the fault');
    const keys = parseNumber(await lab.text('diff-keys'));
    const a = parseNumber(await lab.text('diff-a-moved'));
    const b = parseNumber(await lab.text('diff-b-moved'));
    assert.ok(keys > 200, `keys stored ${keys}`);
    // 4 → 5 shards: mod-N moves about 4/5, the ring about 1/5 (vnode variance allowed).
    assert.ok(a / keys > 0.7 && a / keys < 0.9, `side A (mod-N) moved ${a} of ${keys}`);
    assert.ok(b / keys > 0.1 && b / keys < 0.32, `side B (ring) moved ${b} of ${keys}`);
    // Each side's own readout agrees with the diff, and each side's oracle badge says correct.
    assert.ok((await lab.text('a-moved')).startsWith(await lab.text('diff-a-moved')), 'a-moved vs diff');
    assert.ok((await lab.text('b-moved')).startsWith(await lab.text('diff-b-moved')), 'b-moved vs diff');
    for (const side of ['a', 'b']) {
      assert.equal(await lab.attr(`${side}-truth-keys-moved`, 'data-state'), 'correct', `${side}-truth-keys-moved`);
    }
    // Both sides grew: five shard bars each, the new one marked.
    for (const side of ['side-a', 'side-b']) {
      const bars = lab.page.locator(`${tid(side)} .shard-bar`);
      assert.equal(await bars.count(), 5, `${side} shows five shards`);
      assert.match(await bars.nth(4).textContent(), /new/);
    }
    // The narration covers both sides in one sentence.
    assert.match(await lab.text('narration'), /added to both sides.*mod-N.*ring/i);
    // The URL carries the fault; stepping back before it empties the diff again.
    await lab.click('step-back');
    await lab.waitStep(999);
    assert.equal(await lab.text('diff-a-moved'), '—');
  });
});

test('per-side parameters use a./b. in the URL and a-param-/b-param- hooks; a bad side value is named', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&a.scheme=jump&b.scheme=rendezvous&events=500&step=200`, ROOT);
    assert.equal(await lab.value('a-param-scheme'), 'jump');
    assert.equal(await lab.value('b-param-scheme'), 'rendezvous');
    assert.match(await lab.text('side-a'), /jump consistent hash/);
    assert.match(await lab.text('side-b'), /rendezvous/);
    await lab.assertAbsent('url-error');
    // Changing a side's scheme rebuilds at the same step and lands in the URL with its prefix.
    await lab.set('b-param-scheme', 'modn', ['change']);
    await lab.until(() => lab.page.evaluate(() => location.search), (q) => q.includes('b.scheme=modn'), 'b.scheme in the URL');
    assert.equal(await lab.int('step'), 200);

    await lab.open(`${ROUTE}?v=1&b.scheme=nope`, ROOT);
    assert.match(await lab.text('url-error'), /b\.scheme/);
    assert.equal(await lab.value('b-param-scheme'), 'ring', 'the bad value falls back to the default');
  });
});

test('the diff counts keys placed on different shards and the trade-off quotes the measured numbers', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=9&events=800&step=800`, ROOT);
    await lab.waitStep(800);
    const keys = parseNumber(await lab.text('diff-keys'));
    const placed = leadingCount(await lab.text('diff-placed'));
    // Two unrelated placements over 4 shards agree on about 1/4 of the keys.
    assert.ok(placed / keys > 0.6 && placed / keys < 0.9, `placed differently ${placed} of ${keys}`);
    assert.match(await lab.text('trade-off'), /add one to see it/);
    // Same scheme on both sides: nothing differs.
    await lab.open(`${ROUTE}?v=1&seed=9&events=800&step=800&b.scheme=modn`, ROOT);
    assert.equal(leadingCount(await lab.text('diff-placed')), 0);
  });
});

test('the predict question is graded on a copy of the live run and leaves the run alone', async () => {
  await env.withPage(async (lab) => {
    // Default sides: mod-N (A) moves far more than the ring (B).
    await lab.open(`${ROUTE}?v=1&seed=3&events=1000&step=600`, ROOT);
    await lab.page.locator(tid('question-which-moves-more-choice-0')).check();
    await lab.click('question-which-moves-more-check');
    assert.equal(await lab.attr('question-which-moves-more-result', 'data-correct'), 'true');
    assert.match(await lab.text('question-which-moves-more-result'), /side A and .* on side B/);
    assert.equal(await lab.int('step'), 600);
    assert.equal(await lab.text('diff-a-moved'), '—', 'asking injected nothing');
    // Swapped sides: now B moves more, so the same answer is wrong.
    await lab.open(`${ROUTE}?v=1&seed=3&events=1000&step=600&a.scheme=ring&b.scheme=modn`, ROOT);
    await lab.page.locator(tid('question-which-moves-more-choice-0')).check();
    await lab.click('question-which-moves-more-check');
    assert.equal(await lab.attr('question-which-moves-more-result', 'data-correct'), 'false');
  });
});

test('both sides’ keys per shard export as CSV with the same numbers the sides show', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=5&events=600&step=600&faults=300:add-shard`, ROOT);
    const [download] = await Promise.all([
      lab.page.waitForEvent('download'),
      lab.click('table-sides-csv'),
    ]);
    const path = await download.path();
    const csv = (await import('node:fs')).readFileSync(path, 'utf8').trim().split(/\r?\n/);
    assert.equal(csv[0], 'Shard,A keys,B keys');
    assert.equal(csv.length, 1 + 5, 'five shards after one was added');
    // Each side's bar values match the CSV columns.
    for (const [col, side] of [[1, 'side-a'], [2, 'side-b']]) {
      const shown = (await lab.page.locator(`${tid(side)} .bar-value`).allTextContents()).map((t) => t.trim());
      assert.deepEqual(csv.slice(1).map((row) => row.split(',')[col]), shown, `${side} vs CSV`);
    }
  });
});
