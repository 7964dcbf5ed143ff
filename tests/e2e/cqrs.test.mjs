// CQRS-specific checks (issue 5): a lagging read model makes a client's read after its own
// write stale; waiting for the version fixes it; the note's two topics (pitfall) leave the
// read models empty; a projector crash is rebuilt from position 0; redelivered events are
// skipped by the idempotent projection and double-counted without it; a write burst grows
// the lag; a crash between the database commit and the send loses an event without the
// outbox. Faults, parameters and the pitfall are driven through the page's own controls.

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

const ROOT = 'page-cqrs';

async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  return {
    state: await b.getAttribute('data-state'),
    delta: Number(await b.getAttribute('data-delta')),
    text: ((await b.textContent()) ?? '').trim(),
  };
}

async function pair(lab, name) {
  return (await lab.text(name)).split('/').map(parseNumber);
}

async function goTo(lab, step) {
  await lab.seek(step);
  await lab.waitStep(step);
}

describe('/cqrs', () => {
  test('a lagging read model makes a read after a write stale; waiting for the version fixes it', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=4&poll=10&batch=20&step=0', ROOT);
      await lab.waitStep(0);
      await lab.click('next-notable');
      await lab.until(() => lab.int('step'), (s) => s > 0, 'a notable step');
      assert.match(await lab.text('narration'), /sees version \d+, not the version \d+ it just wrote: a stale read/);
      assert.ok((await pair(lab, 'fresh-stale'))[1] >= 1);
      assert.equal((await badge(lab, 'by-user')).state, 'correct', 'the model is right for its position, only behind');
      await goTo(lab, 120);
      const [, staleBefore] = await pair(lab, 'fresh-stale');
      assert.ok(staleBefore > 50, `most reads are stale at poll=10: ${staleBefore}`);

      await lab.set('param-reads', 'wait-version', ['change']);
      await lab.until(() => pair(lab, 'fresh-stale'), ([, stale]) => stale === 0, 'no stale read once reads wait');
      await lab.waitStep(120);
      const [fresh] = await pair(lab, 'fresh-stale');
      assert.ok(fresh > 50, `reads are answered fresh after waiting: ${fresh}`);
      assert.match(await lab.text('wait'), /^[1-9][\d.]* \/ \d+ steps$/);
      assert.match(await lab.text('code-panel'), /AND version >= %s/);
    });
  });

  test("the note's two topics (pitfall): the read models never move and every read is stale", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=4&step=100', ROOT);
      await lab.waitStep(100);
      // Click, then wait for the box: Playwright's check() reads the state at once and has
      // seen the box mid-rebuild in a full run.
      const box = lab.loc('pitfall-split-topics').first();
      await box.click();
      await lab.until(() => box.isChecked(), (c) => c === true, 'the pitfall box is ticked');
      await lab.until(() => lab.text('fresh-stale'), (t) => /^0 \//.test(t), 'no fresh read');
      await lab.waitStep(100);
      assert.equal(parseNumber(await lab.text('lag-by-user')), parseNumber(await lab.text('log-len')));
      const fin = await badge(lab, 'by-user-final');
      assert.equal(fin.state, 'wrong', fin.text);
      assert.ok(fin.delta < 0, 'the model is short of everything the log holds');
      // The difference is money: "wrong by -$1,234.56", not a bare number of cents.
      assert.match(fin.text, /wrong by -\$[\d,]+\.\d\d vs final truth/);
      assert.match(await lab.text('code-panel'), /order_queries/);
    });
  });

  test('a projector crash is rebuilt from position 0 and the lag drains', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=2&batch=40&step=300', ROOT);
      await lab.waitStep(300);
      await lab.click('fault-crash-projector');
      await lab.until(() => lab.int('rebuilds'), (n) => n === 1, 'one rebuild');
      const len = parseNumber(await lab.text('log-len'));
      assert.equal(parseNumber(await lab.text('lag-by-user')), len, 'the model starts again from 0');
      assert.match(await lab.text('narration'), /restart from log position 0/);
      await goTo(lab, 340);
      const lag = parseNumber(await lab.text('lag-by-user'));
      assert.ok(lag < len, `the rebuild is under way: ${lag} of ${len}`);
      assert.equal((await badge(lab, 'by-user')).state, 'correct');
    });
  });

  test('redelivered events are skipped by the idempotent projection, counted twice without it', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=6&step=200', ROOT);
      await lab.waitStep(200);
      await lab.click('fault-duplicates');
      await lab.until(() => lab.text('narration'), (t) => /redelivers the last \d+ events/.test(t), 'the redelivery');
      await goTo(lab, 215);
      const [skipped, reapplied] = await pair(lab, 'duplicates');
      assert.ok(skipped > 0 && reapplied === 0, `${skipped} / ${reapplied}`);
      assert.equal((await badge(lab, 'by-user')).state, 'correct');

      await lab.set('param-idempotent', 'off', ['change']);
      await lab.until(() => pair(lab, 'duplicates'), ([, again]) => again > 0, 're-applied duplicates');
      await lab.waitStep(215);
      const revenue = await badge(lab, 'revenue');
      const byUser = await badge(lab, 'by-user');
      assert.ok(revenue.state === 'wrong' || byUser.state === 'wrong', `${revenue.text} / ${byUser.text}`);
    });
  });

  test('save, then send: a crash between the two writes loses a payment; the outbox does not', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=3&step=60&publish=direct&faults=20:crash-before-send', ROOT);
      await lab.waitStep(60);
      assert.equal(parseNumber(await lab.text('lost')), 1);
      const fin = await badge(lab, 'revenue-final');
      assert.equal(fin.state, 'wrong', fin.text);
      assert.match(fin.text, /wrong by -\$[\d,]+\.\d\d vs final truth/);
      assert.match(await lab.text('code-panel'), /a crash here loses the event/);

      await lab.set('param-publish', 'outbox', ['change']);
      await lab.until(() => lab.text('lost'), (t) => parseNumber(t) === 0, 'nothing lost with the outbox');
      await lab.waitStep(60);
      assert.match(await lab.text('code-panel'), /INSERT INTO outbox/);
    });
  });

  test('a write burst grows the lag', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/cqrs?v=1&seed=8&step=100', ROOT);
      await lab.waitStep(100);
      const before = parseNumber(await lab.text('lag-by-user'));
      await lab.click('fault-write-burst');
      await lab.until(() => lab.text('narration'), (t) => /A write burst/.test(t), 'the burst');
      await goTo(lab, 140);
      const lag = parseNumber(await lab.text('lag-by-user'));
      assert.ok(lag > before + 100, `lag ${before} → ${lag}`);
    });
  });
});
