import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActionDefinition,
  parseWebhook,
  RemediationController,
  SupervisorClient,
  type WebhookAlert,
} from '../src/index.ts';

function alert(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): WebhookAlert {
  return {
    status,
    labels: { alertname: 'Test', ...labels },
    annotations: { summary: 's' },
    startsAt: 't',
    fingerprint: 'f',
  };
}

function harness(options: { dryRun?: boolean; precondition?: boolean; undoFails?: boolean } = {}) {
  let now = 0;
  const ran: string[] = [];
  const undone: string[] = [];
  const action: ActionDefinition = {
    name: 'poke',
    runbook: 'docs/runbooks/Test.md',
    cooldownMs: 60_000,
    rateLimit: { max: 2, windowMs: 600_000 },
    target: (a) => a.labels.instance,
    precondition: async (target) =>
      options.precondition === false
        ? { ok: false, detail: `${target} is the last one` }
        : { ok: true, detail: 'fine' },
    run: async (target) => {
      ran.push(target);
      return { ok: true, detail: `poked ${target}` };
    },
  };
  // An action that holds a state while its alert fires (a degradation flag), undone on the resolution.
  const flag: ActionDefinition = {
    ...action,
    name: 'flag',
    target: () => 'svc',
    undo: async (target) => {
      if (options.undoFails) throw new Error('svc-1: HTTP 401');
      undone.push(target);
      return { ok: true, detail: `flag off at ${target}` };
    },
  };
  const controller = new RemediationController({
    actions: [action, flag],
    platform: new SupervisorClient('/nonexistent/supervisor.json', 'unused'),
    clock: { now: () => now },
    stamp: () => `t=${now}`,
    dryRun: options.dryRun ?? false,
  });
  return {
    controller,
    ran,
    undone,
    advance: (ms: number) => {
      now += ms;
    },
    outcomes: () =>
      controller
        .audit()
        .map((e) => `${e.outcome}:${e.target}`)
        .reverse(),
  };
}

describe('remediation controller guardrails', () => {
  it('runs once, holds back inside the cool-down, runs again after it, and rate-limits across targets', async () => {
    const h = harness();
    await h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]);
    await h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]);
    h.advance(60_000);
    await h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]);
    await h.controller.handle([alert({ remediation: 'poke', instance: 'b' })]);
    assert.deepEqual(h.ran, ['a', 'a']);
    assert.deepEqual(h.outcomes(), ['executed:a', 'cooldown:a', 'executed:a', 'rate_limited:b']);
    assert.match(
      h.controller.metrics(),
      /rebound_remediation_decisions_total\{action="poke",outcome="executed"\} 2/,
    );
  });

  it('two notifications at once are decided one after the other: one run', async () => {
    const h = harness();
    await Promise.all([
      h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]),
      h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]),
    ]);
    assert.deepEqual(h.ran, ['a']);
  });

  it('dry run audits what it would do and acts on nothing', async () => {
    const h = harness({ dryRun: true });
    await h.controller.handle([alert({ remediation: 'poke', instance: 'a' })]);
    assert.deepEqual(h.ran, []);
    const [entry] = h.controller.audit();
    assert.equal(entry?.outcome, 'dry_run');
    assert.equal(entry?.dryRun, true);
    assert.match(entry?.detail ?? '', /would run poke on a/);
    assert.match(h.controller.metrics(), /rebound_remediation_dry_run 1/);
  });

  it('a failed precondition, an unknown action, a missing target and a resolution are audited, never run', async () => {
    const h = harness({ precondition: false });
    await h.controller.handle([
      alert({ remediation: 'poke', instance: 'a' }),
      alert({ remediation: 'reboot-the-world', instance: 'a' }),
      alert({ remediation: 'poke' }),
      alert({ remediation: 'poke', instance: 'a' }, 'resolved'),
      alert({ instance: 'a' }),
    ]);
    assert.deepEqual(h.ran, []);
    assert.deepEqual(h.outcomes(), [
      'precondition_failed:a',
      'unknown_action:undefined',
      'no_target:undefined',
      'resolved:a',
    ]);
    assert.equal(h.controller.audit().at(-1)?.detail, 'a is the last one');
  });

  it('undoes a flag action when its alert resolves, past its cool-down; a dry run only says it would', async () => {
    const h = harness();
    await h.controller.handle([alert({ remediation: 'flag' })]);
    await h.controller.handle([alert({ remediation: 'flag' })]);
    await h.controller.handle([alert({ remediation: 'flag' }, 'resolved')]);
    assert.deepEqual(h.ran, ['svc']);
    assert.deepEqual(h.undone, ['svc']);
    assert.deepEqual(h.outcomes(), ['executed:svc', 'cooldown:svc', 'undone:svc']);
    assert.equal(h.controller.audit()[0]?.detail, 'the alert resolved; flag off at svc');
    // Firing again inside the cool-down does not switch it back on: a flapping alert is held back.
    await h.controller.handle([alert({ remediation: 'flag' })]);
    assert.deepEqual(h.ran, ['svc']);
    assert.match(
      h.controller.metrics(),
      /rebound_remediation_decisions_total\{action="flag",outcome="undone"\} 1/,
    );

    const dry = harness({ dryRun: true });
    await dry.controller.handle([alert({ remediation: 'flag' }, 'resolved')]);
    assert.deepEqual(dry.undone, []);
    assert.equal(dry.controller.audit()[0]?.outcome, 'dry_run');
    assert.match(dry.controller.audit()[0]?.detail ?? '', /would undo flag on svc/);

    const failing = harness({ undoFails: true });
    await failing.controller.handle([alert({ remediation: 'flag' }, 'resolved')]);
    assert.equal(failing.controller.audit()[0]?.outcome, 'failed');
    assert.match(failing.controller.audit()[0]?.detail ?? '', /svc-1: HTTP 401/);
  });

  it('refuses a webhook body that is not one, naming what is wrong', () => {
    assert.throws(() => parseWebhook('{}'), /expected an Alertmanager webhook body/);
    assert.throws(
      () => parseWebhook('{"alerts":[{"status":"odd","labels":{}}]}'),
      /alerts\[0\]: expected status/,
    );
    assert.throws(() => parseWebhook('not json'), SyntaxError);
  });
});
