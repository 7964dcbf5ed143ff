// CDC-specific checks (issue 8): a connector restart redelivers and the LSN-guarded MERGE
// skips every duplicate while a plain upsert goes back in time; the note's after.id key
// loses deletes for good; a stalled partition lets other rows overtake and then catches
// up; polling misses deletes and overwritten updates, as the oracle counts them. Through
// the page's own controls; the target is judged by the oracle badge.

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

const ROOT = 'page-cdc';

async function badge(lab, metric, state) {
  return lab.until(
    async () => lab.loc(`truth-${metric}`).first().getAttribute('data-state'),
    (s) => s === state,
    `truth-${metric} ${state}`,
  );
}

/** `a / b` of the target-diff hook: [on their way, wrong]. */
async function targetDiff(lab) {
  return (await lab.text('target-diff')).split('/').map(parseNumber);
}

describe('/cdc', () => {
  test('a connector restart redelivers; the guard skips every duplicate, a plain upsert goes back in time', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=42&step=450', ROOT);
      await lab.waitStep(450);
      assert.equal(parseNumber(await lab.text('redelivered')), 0);
      await lab.click('fault-connector-restart');
      const said = await lab.waitText('narration', /restarts from its last saved LSN: (\d+) events will be produced again/);
      const again = Number(said.match(/LSN: (\d+) events/)[1]);
      assert.ok(again > 0, 'nothing to redeliver');
      await lab.seek(500);
      await lab.waitStep(500);
      assert.equal(parseNumber(await lab.text('redelivered')), again, 'every event since the save comes again');
      assert.equal(parseNumber(await lab.text('skipped')), again, 'the guarded MERGE skips each duplicate');
      assert.equal(parseNumber(await lab.text('regressed')), 0);
      await badge(lab, 'target', 'correct');
      const json = await lab.text('event-json');
      for (const field of ['"before"', '"after"', '"source"', '"lsn"', '"op"', '"ts_ms"']) {
        assert.ok(json.includes(field), `event JSON lacks ${field}: ${json}`);
      }

      await lab.set('param-merge', 'plain', ['change']);
      await lab.until(async () => parseNumber(await lab.text('regressed')), (n) => n > 0, 'older versions overwrite newer ones');
      assert.equal(parseNumber(await lab.text('skipped')), 0);
      assert.match(await lab.text('code-panel'), /ON CONFLICT \(id\) DO UPDATE/);
      // The replay ends where it started, so once drained even the plain upsert agrees.
      await badge(lab, 'target', 'correct');
    });
  });

  test('the note’s after.id key: deletes match nothing and their rows stay in the target', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=42&step=600', ROOT);
      await lab.waitStep(600);
      await badge(lab, 'target', 'correct');
      await lab.loc('pitfall-after-id-key').first().check();
      await lab.until(async () => parseNumber(await lab.text('lost-deletes')), (n) => n > 0, 'deletes lost');
      await badge(lab, 'target', 'wrong');
      const [, wrong] = await targetDiff(lab);
      const delta = Number(await lab.loc('truth-target').first().getAttribute('data-delta'));
      assert.equal(delta, wrong, 'the oracle counts as many wrong rows as the page shows');
      assert.match(await lab.text('code-panel'), /after\.id/);

      await lab.loc('only-diffs').first().check();
      const cells = await lab.loc('table-rows').first().locator('tbody tr td:last-child').allTextContents();
      assert.ok(cells.length > 0 && cells.every((c) => c.trim() !== ''), `rows without a difference listed: ${cells}`);
      assert.ok(cells.some((c) => c.includes('log: WRONG')), cells.join(' | '));

      await lab.click('to-start');
      await lab.waitStep(0);
      // The snapshot finishing is notable too; the lost delete comes soon after.
      await lab.click('next-notable');
      await lab.waitText('narration', /The snapshot is done/);
      const done = await lab.int('step');
      await lab.click('next-notable');
      await lab.until(() => lab.int('step'), (s) => s > done, 'next-notable moves on');
      await lab.waitText('narration', /null key: it matches nothing and the row stays/);
    });
  });

  test('a stalled partition lets other rows overtake, then catches up', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=42&step=300', ROOT);
      await lab.waitStep(300);
      const part = lab.page.locator('[data-testid="diagram"] [data-inspect="p-1"]');
      await part.click().catch(() => part.dispatchEvent('click'));
      await lab.waitText('inspect', /Partition 1 of shop\.public\.orders/);
      await lab.click('stall-partition');
      await lab.waitText('narration', /Partition 1's consumer stalls until step 360/);
      await lab.seek(330);
      await lab.waitStep(330);
      const [lagging, wrong] = await targetDiff(lab);
      assert.ok(lagging > 0, 'no row waits behind the stalled partition');
      assert.equal(wrong, 0);
      assert.match(await lab.text('inspect'), /consumer is stalled/);
      await badge(lab, 'target', 'correct');
      await lab.seek(420);
      await lab.waitStep(420);
      assert.deepEqual(await targetDiff(lab), [0, 0], 'the partition caught up');
    });
  });

  test('a sink crash re-applies the events since its last commit; the WAL lists every change by LSN', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=42&step=470', ROOT);
      await lab.waitStep(470);
      const skipped = parseNumber(await lab.text('skipped'));
      await lab.click('fault-sink-crash');
      const said = await lab.waitText('narration', /The sink crashes and restarts from its committed offsets: (\d+) events will be applied again/);
      const again = Number(said.match(/offsets: (\d+) events/)[1]);
      assert.ok(again > 0, said);
      await lab.seek(520);
      await lab.waitStep(520);
      assert.equal(parseNumber(await lab.text('skipped')) - skipped, again, 'each re-applied event is skipped by the guard');
      await badge(lab, 'target', 'correct');
      // The WAL: one row per committed change, newest first, positions rising with it.
      assert.match(await lab.text('table-wal-page'), /· 520 rows/);
      const lsns = await lab.loc('table-wal').first().locator('tbody tr td:first-child').allTextContents();
      assert.ok(lsns.length >= 2 && lsns.every((l) => /^0\/1A[0-9A-F]{6}$/.test(l)), lsns.join(' '));
      const values = lsns.map((l) => parseInt(l.split('/')[1], 16));
      assert.ok(values.every((v, i) => i === 0 || v < values[i - 1]), `LSNs not newest first: ${lsns}`);
    });
  });

  test('polling misses deletes and overwritten updates, as the oracle counts them', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cdc?v=1&seed=42&poll=10000&deletes=0.2&step=1000', ROOT);
      await lab.waitStep(1000);
      const missed = await lab.text('missed');
      const [deletes, overwritten] = missed.match(/[\d,]+/g).map(parseNumber);
      assert.ok(deletes > 0 && overwritten > 0, missed);
      await badge(lab, 'missed', 'correct');
      const polled = lab.page.locator('[data-testid="diagram"] [data-inspect="polled"]');
      await polled.click().catch(() => polled.dispatchEvent('click'));
      const text = await lab.waitText('inspect', /of which (\d+) the source deleted/);
      assert.ok(Number(text.match(/of which (\d+)/)[1]) > 0, text);
      await lab.set('param-poll', '500', ['change']);
      await lab.until(
        async () => (await lab.text('missed')).match(/[\d,]+/g).map(parseNumber),
        ([d, o]) => d >= deletes && o < overwritten,
        'polling faster misses fewer updates, never fewer deletes',
      );
      await badge(lab, 'missed', 'correct');
    });
  });
});
