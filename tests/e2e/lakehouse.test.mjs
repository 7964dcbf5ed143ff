// Lakehouse-specific checks (issue 6): two writers — one commit fails with
// ConcurrentAppendException, the job runs its MERGE again and inserts nothing twice; the
// note's gold append (pitfall) double-counts and a rerun adds more, while MERGE stays right;
// a late file is dropped by a job that reads only the newest day and picked up by one that
// reads the new bronze versions; time travel by version and by timestamp, bad
// input answered next to the field, and a query whose skipped files are shown. All through
// the page's own controls.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup, tid } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-lakehouse';

/** A badge's verdict once it has one: the checks that re-read the run wait until the page
 * has been still for a moment, so a badge is `pending` first. */
async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  const state = await lab.until(() => b.getAttribute('data-state'), (s) => s !== 'pending', `truth-${metric} decided`);
  return { state, delta: Number(await b.getAttribute('data-delta')) };
}

describe('/lakehouse', () => {
  test('a second writer: one commit fails, the job runs its MERGE again and inserts nothing twice', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lakehouse?v=1&seed=2&step=59', ROOT);
      await lab.waitStep(59);
      await lab.click('fault-concurrent-writer');
      await lab.until(() => lab.text('narration'), (t) => /second scheduler/.test(t), 'armed');
      await lab.click('next-notable');
      await lab.until(() => lab.int('step'), (s) => s === 60, 'the next run');
      const said = await lab.text('narration');
      assert.match(said, /second writer committed the same MERGE first/);
      assert.match(said, /commit fails \(ConcurrentAppendException: silver v\d+ added files to order_day=\d{4}-\d\d-\d\d, a partition this MERGE read\), so the job runs its MERGE again/);
      assert.match(said, /nothing new to insert/);
      assert.equal(parseNumber(await lab.text('conflicts')), 1);
      assert.equal((await badge(lab, 'silver')).state, 'correct', 'each order once');
      assert.equal((await badge(lab, 'gold')).state, 'correct');
      assert.match(await lab.text('table-commits'), /MERGE \(second writer\)/);
      assert.match(await lab.text('code-panel'), /ConcurrentAppendException/);
    });
  });

  test('the note’s gold append double-counts and a rerun adds more; MERGE and overwrite stay right', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lakehouse?v=1&seed=3&step=300', ROOT);
      await lab.waitStep(300);
      assert.equal((await badge(lab, 'gold')).state, 'correct');
      const goldRows = parseNumber(await lab.text('gold-rows'));
      await lab.click('fault-rerun');
      await lab.until(() => lab.text('narration'), (t) => /reruns the last job/.test(t), 'rerun');
      assert.match(await lab.text('narration'), /nothing new to insert/);
      assert.equal((await badge(lab, 'gold')).state, 'correct', 'MERGE with nothing new changes nothing');
      assert.equal(parseNumber(await lab.text('gold-rows')), goldRows);
      await lab.loc('pitfall-gold-append').first().check();
      const wrong = await lab.until(() => badge(lab, 'gold'), (b) => b.state === 'wrong', 'append double-counts');
      await lab.until(async () => parseNumber(await lab.text('gold-rows')), (n) => n > 5 * goldRows, 'a row per user per run');
      assert.match(await lab.text('code-panel'), /INSERT INTO gold\.user_stats/);
      // The rerun (kept at this step) added one more copy on top of the runs' copies.
      await lab.seek(299);
      await lab.waitStep(299);
      const before = await badge(lab, 'gold');
      assert.ok(wrong.delta > before.delta, `the rerun adds more: ${before.delta} → ${wrong.delta}`);
      await lab.loc('pitfall-gold-append').first().uncheck();
      await lab.set('param-gold', 'overwrite', ['change']);
      // Two rebuilds in quick succession still land at the step the user was at.
      await lab.waitStep(299);
      await lab.until(() => badge(lab, 'gold'), (b) => b.state === 'correct', 'overwrite is right');
    });
  });

  test('a late file: the newest-day job drops it, reading new snapshots keeps it', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lakehouse?v=1&seed=4&read=day&step=400', ROOT);
      await lab.waitStep(400);
      assert.equal((await badge(lab, 'silver')).state, 'correct');
      await lab.click('fault-late-file');
      await lab.until(() => lab.text('narration'), (t) => /3 days old/.test(t), 'armed');
      await lab.click('next-notable');
      await lab.until(() => lab.text('narration'), (t) => /dropped by the newest-day filter/.test(t), 'dropped');
      const b = await badge(lab, 'silver');
      assert.equal(b.state, 'wrong');
      assert.ok(b.delta < 0, `silver misses orders: ${b.delta}`);
      await lab.set('param-read', 'snapshots', ['change']);
      await lab.until(() => badge(lab, 'silver'), (x) => x.state === 'correct', 'late rows land in their old partition');
      assert.match(await lab.text('narration'), /from earlier days, into their old partitions/);
    });
  });

  test('time travel by version and by timestamp, a query with skipped files, and bad input by the field', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lakehouse?v=1&seed=5&step=900&faults=600:add-column', ROOT);
      await lab.waitStep(900);
      const now = await lab.text('query-result');
      const m = /^silver v(\d+) · (\d+) files: (\d+) skipped by partition/.exec(now);
      assert.ok(m, now);
      assert.ok(Number(m[3]) > 0, 'a one-day query skips the other days');
      assert.equal((await badge(lab, 'query')).state, 'correct', 'pruned = full scan');
      await lab.set('travel-version', '3', ['change']);
      await lab.until(() => lab.text('travel-note'), (t) => /Reading silver v3 \(VERSION AS OF 3\)/.test(t), 'travelled');
      await lab.until(() => lab.text('query-result'), (t) => t.startsWith('silver v3 ·'), 'the query reads v3');
      assert.match(await lab.text('table-files-page'), / 1 rows|\d+ rows/);
      await lab.set('travel-time', '2024-01-02 12:00', ['change']);
      await lab.until(() => lab.text('travel-note'), (t) => /TIMESTAMP AS OF 2024-01-02 12:00:00 reads silver v\d+/.test(t), 'by time');
      await lab.set('travel-time', 'last tuesday', ['change']);
      assert.match(await lab.text('travel-error'), /not a date/);
      await lab.click('travel-now');
      await lab.assertAbsent('travel-error');
      await lab.set('q-user', 'abc', ['change']);
      assert.match(await lab.text('q-user-error'), /a user id from 0 to 39/);
      await lab.set('q-user', '7', ['change']);
      await lab.assertAbsent('q-user-error');
      await lab.until(() => lab.text('query-result'), (t) => /orders of user 7/.test(t), 'per user');
      await lab.set('q-to', '2024-01-01', ['change']);
      assert.match(await lab.text('q-to-error'), /before the first/);
      // A snapshot in the picture: it becomes the version read, its metadata is shown.
      const dot = lab.page.locator(`${tid('diagram')} [data-inspect^="snapshot-"]`).first();
      await dot.click();
      await lab.until(() => lab.text('inspect'), (t) => /"commitInfo"/.test(t), 'the commit as Delta logs it');
      assert.match(await lab.text('travel-note'), /Reading silver v\d+ \(VERSION AS OF/);
      // A silver file written before the column was added reads currency as null.
      await lab.click('travel-now');
      const file = lab.page.locator(`${tid('diagram')} rect.silver[data-inspect^="file-"]`).last();
      await file.focus();
      await lab.page.keyboard.press('Enter');
      await lab.until(() => lab.text('inspect'), (t) => /silver\/order_day=/.test(t) && /currency/.test(t), 'file rows');
    });
  });
});
