// /compare/lambda-vs-kappa (issue 4): one fault reaches both sides in each side's own terms,
// per-side parameters, and the diff, trade-off and charts against the final truth.

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

const ROOT = 'page-compare-lambda-vs-kappa';
const PAGE = '/compare/lambda-vs-kappa';

async function badge(lab, name) {
  const b = lab.loc(name).first();
  await b.waitFor({ state: 'attached' });
  return {
    state: await b.getAttribute('data-state'),
    truth: await b.getAttribute('data-truth'),
    delta: Number(await b.getAttribute('data-delta')),
  };
}

async function goTo(lab, step) {
  await lab.seek(step);
  await lab.waitStep(step);
}

describe(PAGE, () => {
  test('very late events: Lambda is exact again after its next batch run, Kappa keeps them as late', async () => {
    await env.withPage(async (lab) => {
      await lab.open(`${PAGE}?v=1&seed=42&step=1600`, ROOT);
      await lab.waitStep(1600);
      await lab.click('fault-very-late');
      await lab.waitText('narration', /Lambda: .*Kappa: /);
      await goTo(lab, 1950);
      const a = await badge(lab, 'a-truth-serving');
      const b = await badge(lab, 'b-truth-results');
      assert.equal(a.state, 'correct');
      assert.equal(a.truth, 'so-far');
      assert.equal(b.state, 'wrong');
      assert.equal(b.truth, 'final');
      assert.ok(b.delta <= -8, `Kappa's results miss the 8 late events (delta ${b.delta})`);
      assert.ok(parseNumber(await lab.text('a-accuracy')) > parseNumber(await lab.text('b-accuracy')));
      assert.ok(parseNumber(await lab.text('diff-disagree')) > 0);
    });
  });

  test('per-side parameters: b.delay covering the lateness makes every Kappa result exact', async () => {
    await env.withPage(async (lab) => {
      await lab.open(`${PAGE}?v=1&seed=42&step=1000`, ROOT);
      await lab.waitStep(1000);
      assert.equal(await lab.count('b-param-delay'), 1);
      assert.equal(await lab.count('a-param-period'), 1);
      assert.equal((await badge(lab, 'b-truth-results')).state, 'wrong', 'a 60 s delay misses late events');
      await lab.set('b-param-delay', '600');
      await lab.until(() => lab.path(), (p) => /b\.delay=600/.test(p), 'b.delay in the URL');
      await lab.waitStep(1000);
      await lab.until(() => badge(lab, 'b-truth-results'), (b) => b.state === 'correct', 'Kappa exact');
      await lab.set('b-param-delay', '99999');
      await lab.waitText('b-param-delay-error', /0 to 7200/);
    });
  });

  test('one crash button crashes each side its own way', async () => {
    await env.withPage(async (lab) => {
      await lab.open(`${PAGE}?v=1&seed=42&step=800`, ROOT);
      await lab.waitStep(800);
      assert.equal((await badge(lab, 'a-truth-serving')).state, 'correct');
      await lab.click('fault-crash');
      await lab.waitText('narration', /speed layer crashes.*Kappa: The processor crashes/);
      assert.equal((await badge(lab, 'a-truth-serving')).state, 'wrong');
    });
  });

  test('the trade-off quotes the work each side shows; Lambda re-reads the log', async () => {
    await env.withPage(async (lab) => {
      await lab.open(`${PAGE}?v=1&seed=42&step=2000`, ROOT);
      await lab.waitStep(2000);
      const a = parseNumber(await lab.text('a-work'));
      const b = parseNumber(await lab.text('b-work'));
      assert.ok(a > 3 * b, `Lambda ${a} vs Kappa ${b}`);
      const t = await lab.text('trade-off');
      assert.ok(t.includes(await lab.text('a-work')) && t.includes(await lab.text('b-work')), t);
      assert.match(t, /first answer comes .+ after its end on Lambda and .+ on Kappa/);
      const [fa, fb] = (await lab.text('diff-first-answer')).split(' / ');
      assert.ok(t.includes(fa) && t.includes(fb), `${fa} / ${fb} in: ${t}`);
      for (const id of ['chart-accuracy', 'chart-staleness', 'chart-work']) {
        assert.equal(await lab.count(id), 1, `${id} missing`);
      }
    });
  });
});
