// The simulated person follows the clinician: the planner step by step, then the whole bridge (simulator
// source, analysis, sets ending at their target) at 10x real time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app';
import { isRepStep, stepDurationS, type ScriptStep } from '@hinge/simulator';
import { createSimulatedPerson, hearControl, nextSteps, ONE_MORE_AFTER_S, type SimulatedPerson } from './simulated-person';

const SETTINGS = { targetReps: 5, tempoMinS: 2 };

/** The person's steps over `seconds` of their time. */
function play(person: SimulatedPerson, seconds: number): ScriptStep[] {
  const steps: ScriptStep[] = [];
  let t = 0;
  while (t < seconds) {
    for (const step of nextSteps(person)) {
      steps.push(step);
      t += stepDurationS(step);
    }
  }
  return steps;
}

describe('simulated person (planner)', () => {
  it('waits without bending until something is asked', () => {
    const steps = play(createSimulatedPerson(1, SETTINGS), 120);
    expect(steps.filter(isRepStep)).toEqual([]);
    expect(steps.every((s) => s.kind === 'stand' || s.kind === 'sway')).toBe(true);
  });

  it('stands still for calibration, then makes two slow bends, then waits', () => {
    const person = createSimulatedPerson(2, SETTINGS);
    play(person, 5);
    hearControl(person, { event: 'calibrate', settings: SETTINGS });
    const steps = play(person, 60);
    expect(steps[1]).toMatchObject({ kind: 'stand' });
    expect(stepDurationS(steps[1]!)).toBeGreaterThanOrEqual(3);
    const bends = steps.filter(isRepStep);
    expect(bends).toHaveLength(2);
    for (const bend of bends) expect(bend.descentS).toBeGreaterThan(2.5);
  });

  it('does the target number of reps at no less than the tempo setting once a set starts, and one more only if the set keeps running', () => {
    for (const seed of [3, 4, 5, 6]) {
      const person = createSimulatedPerson(seed, SETTINGS);
      hearControl(person, { event: 'set-start', settings: SETTINGS });
      let steps = play(person, 60);
      const reps = steps.filter(isRepStep);
      // Hurried reps ('fast') are the exception the feedback is there for; every other rep keeps the tempo.
      for (const rep of reps.filter((r) => r.kind !== 'fast')) expect(Math.min(rep.descentS, rep.ascentS)).toBeGreaterThanOrEqual(SETTINGS.tempoMinS);
      const firstFive = steps.slice(0, steps.indexOf(reps[4]!) + 1);
      const afterFifth = steps.slice(firstFive.length, steps.indexOf(reps[5]!));
      expect(afterFifth.reduce((sum, s) => sum + stepDurationS(s), 0)).toBeGreaterThanOrEqual(ONE_MORE_AFTER_S);

      // The set ends (at its target): the person rests, walking a little, and does no more reps.
      hearControl(person, { event: 'set-end', settings: SETTINGS });
      steps = play(person, 120);
      expect(steps.filter(isRepStep)).toEqual([]);
      expect(steps.filter((s) => s.kind === 'walk').length).toBe(2);
    }
  });

  it('follows a changed target and tempo from the next set', () => {
    const person = createSimulatedPerson(7, SETTINGS);
    hearControl(person, { event: 'settings', settings: { targetReps: 3, tempoMinS: 3 } });
    hearControl(person, { event: 'set-start', settings: { targetReps: 3, tempoMinS: 3 } });
    const steps = play(person, 30);
    const reps = steps.filter(isRepStep);
    expect(reps.length).toBeGreaterThanOrEqual(3);
    const beforeFourth = steps.slice(0, reps[3] ? steps.indexOf(reps[3]) : steps.length).filter(isRepStep);
    expect(beforeFourth).toHaveLength(3);
    for (const rep of beforeFourth.filter((r) => r.kind !== 'fast')) expect(rep.descentS).toBeGreaterThanOrEqual(3);
  });
});

describe('simulator source following the session (bridge, 10x real time)', () => {
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  let state = (): unknown => null;
  const until = async (what: string, condition: () => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('no reps before a set, calibrates when asked, a set of the target reps ends by itself, none while resting', { timeout: 400_000 }, async () => {
    const app = await buildApp({ dataDir: mkdtempSync(path.join(tmpdir(), 'hinge-follow-')) });
    apps.push(app);
    const { hub } = app.bridge;
    const patient = await hub.createPatient({ name: 'Follower' });
    const session = await hub.createSession({ patientId: patient.id, settings: { targetReps: 4, targetSets: 2, tempoMinS: 1 }, source: { kind: 'simulator', seed: 11 } });
    session.setSpeed(10);
    state = () => { const { t, calibration, repCount, activeSet, sets, warnings } = session.state(); return { t, calibration, repCount, activeSet, sets, warnings }; };
    await until('20 s of standing', () => session.state().t > 20);
    expect(session.state().repCount).toBe(0);

    const before = JSON.stringify(session.state().calibration);
    session.calibrate();
    const calibrateT = session.state().t;
    // Standing still when asked: the neutral is the still period the request falls in (or the next one).
    await until('the calibration', () => JSON.stringify(session.state().calibration) !== before);
    expect(session.state().warnings).toEqual([]);
    await until('the slow bends to end', () => session.state().t > calibrateT + 32);

    for (const set of [1, 2]) {
      const repsBefore = session.state().repCount;
      session.startSet();
      expect(session.state().activeSet).toBe(set);
      await until(`set ${set} to end at its target`, () => session.state().activeSet === null);
      const state = session.state();
      expect(state.setRepCount).toBe(4);
      expect(state.repCount - repsBefore).toBe(4);
      const endedT = state.t;
      await until('a rest', () => session.state().t > endedT + 25);
      expect(session.state().repCount).toBe(state.repCount);
    }
    await session.stop();
  });
});
