// Event-sourcing-specific checks (issue 5): a refused command appends nothing; two writers
// race on one order (conflict, then a retry at the next step); a crash between append and
// snapshot loses nothing; an old service's v1 event is upcast on read; the note's whole-log
// scan (pitfall) makes every load read the whole log; the temporal query and the oracle
// badges; bad input in the order box is refused with a message.
//
// Scenarios are set up through URL state; faults and the pitfall are driven by clicking the
// page's own controls.

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

const ROOT = 'page-event-sourcing';

async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  return { state: await b.getAttribute('data-state'), text: ((await b.textContent()) ?? '').trim() };
}

/** `a / b` stats as two numbers. */
async function pair(lab, name) {
  const [a, b] = (await lab.text(name)).split('/').map(parseNumber);
  return [a, b];
}

async function goTo(lab, step) {
  await lab.seek(step);
  await lab.waitStep(step);
}

describe('/event-sourcing', () => {
  test('a refused command is listed with its reason and appends nothing', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=9&invalid=0.33&step=0', ROOT);
      await lab.waitStep(0);
      await lab.click('next-notable');
      await lab.until(() => lab.int('step'), (s) => s > 0, 'a notable step');
      const step = await lab.int('step');
      assert.match(await lab.text('narration'), /refused — .+Nothing is appended/);
      const len = parseNumber(await lab.text('log-len'));
      assert.ok(parseNumber(await lab.text('rejected')) >= 1);
      const first = await lab.page.locator('[data-testid="table-rejected"] tbody tr').first().textContent();
      assert.match(first, /the order|no such order|payment/);
      await lab.click('step-back');
      await lab.waitStep(step - 1);
      assert.equal(parseNumber(await lab.text('log-len')), len, 'the refused command did not grow the log');
    });
  });

  test('two writers race on one order: one appends, the other conflicts and retries next step', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=42&step=20', ROOT);
      await lab.waitStep(20);
      const len = parseNumber(await lab.text('log-len'));
      await lab.click('fault-concurrent-writer');
      await lab.until(() => pair(lab, 'conflicts'), (c) => c[0] === 1, 'a conflict');
      assert.match(await lab.text('narration'), /Writers A and B both load order #\d+ at version (\d+)/);
      assert.match(await lab.text('narration'), /version conflict/);
      assert.equal(parseNumber(await lab.text('log-len')), len + 1, 'only writer A appended');
      await lab.click('step-forward');
      await lab.waitStep(21);
      assert.match(await lab.text('narration'), /^Writer B reloads and retries/);
      assert.deepEqual(await pair(lab, 'conflicts'), [1, 1]);
      assert.equal((await badge(lab, 'state')).state, 'correct');
    });
  });

  test('a crash between append and snapshot skips one snapshot and loses no event', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=5&snapshot=5&invalid=0&step=30', ROOT);
      await lab.waitStep(30);
      await lab.click('fault-crash-snapshot');
      await lab.until(() => lab.text('narration'), (t) => /crash right after appending/.test(t), 'the crash is armed');
      await lab.click('next-notable');
      await lab.until(() => lab.int('crashes'), (c) => c === 1, 'the crash happened');
      assert.match(await lab.text('narration'), /crashed before storing the snapshot/);
      const state = await badge(lab, 'state');
      assert.equal(state.state, 'correct', state.text);
    });
  });

  test("an old service's v1 event is stored as v1 and upcast on read", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=3&step=15', ROOT);
      await lab.waitStep(15);
      await lab.click('fault-v1-event');
      await lab.until(() => lab.text('narration'), (t) => /old instance of the service/.test(t), 'the v1 write');
      assert.match(await lab.text('upcasts'), /^1 \//);
      // The newest cell in the picture is that event.
      await lab.page.locator('[data-testid="diagram"] [data-inspect^="event-"]').last().click();
      const text = await lab.text('inspect');
      assert.match(text, /Stored \(schema v1\): \{"type":"[A-Za-z]+"/);
      if (/ItemAdded|OrderPaid/.test(text)) assert.match(text, /"amount":"\d+\.\d\d"/);
      assert.match(text, /Read as \(upcast to v2\): \{"type":"[A-Za-z]+","schema":2/);
    });
  });

  test("the note's full scan (pitfall): every load reads the whole log; the code panel explains", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=7&step=300', ROOT);
      await lab.waitStep(300);
      const before = parseNumber(await lab.text('read-total'));
      await lab.loc('pitfall-full-scan').first().check();
      await lab.waitStep(300);
      await lab.until(() => lab.text('read-total'), (t) => parseNumber(t) > before * 10, 'scan reads much more');
      // Every load read the log as it was: 0 + 1 + … minus refusals is at least the first
      // appended events' sum; the narration names the whole log.
      assert.match(await lab.text('narration'), /the note's get_state reads all [\d,]+ events of the log/);
      assert.match(await lab.text('code-panel'), /ORDER BY position/);
      assert.equal((await badge(lab, 'state')).state, 'correct', 'the answer is right, only the cost is not');
    });
  });

  test('the temporal query folds the first events, and the order box refuses nonsense', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/event-sourcing?v=1&seed=42&step=200', ROOT);
      await lab.waitStep(200);
      await lab.set('order-id', '2', ['change']);
      await lab.until(() => lab.text('order-state'), (t) => t.length > 0, 'order 2 shown');
      await lab.set('as-of', '1', ['input']);
      await lab.until(() => lab.text('as-of-state'), (t) => /^v1: open · user \d+ · 0 items · total \$0\.00/.test(t), 'the order as of its first event');
      assert.equal((await badge(lab, 'as-of')).state, 'correct');
      assert.equal((await badge(lab, 'state')).state, 'correct');
      const events = await lab.page.locator('[data-testid="order-events"] li').count();
      assert.ok(events >= 2, `order 2 has ${events} events`);
      await lab.set('order-id', 'ten', ['change']);
      assert.match(await lab.text('order-id-error'), /Enter an order number from 1 to \d+/);
      await lab.set('order-id', '999999', ['change']);
      assert.match(await lab.text('order-id-error'), /from 1 to/);
    });
  });
});
