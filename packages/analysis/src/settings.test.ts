import { describe, expect, it } from 'vitest';
import type { RecordingHeader } from '@hinge/protocol';
import { createSessionAnalyzer } from './session-analyzer';
import { DEFAULT_SETTINGS, resolveSettings, SettingsError } from './settings';

const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-12-04T10:00:00.000Z',
  sensors: [
    { id: 's', placement: 'sacrum' },
    { id: 't', placement: 'thoracic' },
  ],
};

describe('settings: refused out of bounds, never replaced', () => {
  it('resolveSettings refuses a lumbar limit of 0 instead of replacing it', () => {
    expect(() => resolveSettings({ lumbarLimitDeg: 0 })).toThrow(SettingsError);
    expect(() => resolveSettings({ lumbarLimitDeg: 0 })).toThrow(/lumbarLimitDeg must be a number from 1 to 90 deg, not 0/);
    expect(() => resolveSettings({ tempoMinS: -0.5 })).toThrow(/tempoMinS/);
    expect(() => resolveSettings({ targetReps: 2.5 })).toThrow(/whole number/);
    expect(resolveSettings({ lumbarLimitDeg: 1, tempoMinS: 0 }).settings).toEqual({ ...DEFAULT_SETTINGS, lumbarLimitDeg: 1, tempoMinS: 0 });
  });

  it('the analysis starts from the header settings; a settings line applies from its time; a bad one is refused with a warning', () => {
    expect(() => createSessionAnalyzer({ ...header, settings: { lumbarLimitDeg: 0 } })).toThrow(SettingsError);
    const analyzer = createSessionAnalyzer({ ...header, settings: { lumbarLimitDeg: 25, targetReps: 6 } });
    analyzer.push({ t: 1, event: 'settings', settings: { lumbarLimitDeg: 30 } });
    analyzer.push({ t: 2, event: 'settings', settings: { lumbarLimitDeg: 0 } });
    analyzer.push({ t: 3, event: 'settings', settings: { load: 'dowel', targetReps: 6, tempoMinS: 1.5 } });
    const events = analyzer.takeEvents();
    expect(events[0]).toEqual({ type: 'settings', t: 1, settings: { ...DEFAULT_SETTINGS, lumbarLimitDeg: 30, targetReps: 6 } });
    expect(events[1]).toMatchObject({ type: 'warning', t: 2, message: expect.stringMatching(/settings change refused.*lumbarLimitDeg/) });
    const doc = analyzer.finish();
    expect(doc.settings?.lumbarLimitDeg).toBe(30);
    // The history: what changed, when, from what to what (the refused line and the unchanged target are not changes).
    expect(doc.settingsChanges).toEqual([
      { t: 1, setting: 'lumbarLimitDeg', from: 25, to: 30 },
      { t: 3, setting: 'load', from: 'none', to: 'dowel' },
      { t: 3, setting: 'tempoMinS', from: DEFAULT_SETTINGS.tempoMinS, to: 1.5 },
    ]);
    expect(doc.warnings.join(' ')).toMatch(/refused/);
  });
});
