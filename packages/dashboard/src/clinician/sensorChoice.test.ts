import { describe, expect, it } from 'vitest';
import type { FoundSensorInfo, SensorPlacements } from '@hinge/protocol';
import { assignAddress, canAssign, modelName, placementOf, prefillAddresses, signalStrength, withRemembered } from './sensorChoice';

const sensor = (over: Partial<FoundSensorInfo>): FoundSensorInfo => ({
  name: 'MetaWear',
  model: 'metamotion',
  address: 'c4:7f:0e:00:00:01',
  rssiDbm: -60,
  batteryPct: 80,
  rememberedPlacement: null,
  refusal: null,
  ...over,
});

const remembered = (sacrum: string | null, thoracic: string | null): SensorPlacements => ({
  sacrum: sacrum ? { address: sacrum, model: 'generic', name: null, updatedAt: '2024-01-01T00:00:00Z' } : null,
  thoracic: thoracic ? { address: thoracic, model: 'generic', name: null, updatedAt: '2024-01-01T00:00:00Z' } : null,
  warnings: [],
});

describe('sensor choice', () => {
  it('assigns only supported sensors with an address', () => {
    expect(canAssign(sensor({}))).toBe(true);
    expect(canAssign(sensor({ model: null, refusal: 'MetaWear in firmware-update (MetaBoot) mode' }))).toBe(false);
    expect(canAssign(sensor({ address: '' }))).toBe(false);
    expect(modelName('dot')).toBe('Movella DOT');
    expect(modelName(null)).toBeNull();
  });

  it('reads signal strength in words', () => {
    expect(signalStrength(-48.4)).toBe('strong');
    expect(signalStrength(-72)).toBe('fair');
    expect(signalStrength(-91)).toBe('weak');
  });

  it('one sensor is never on both placements', () => {
    const start = { sacrum: 'AA:BB:CC:00:00:01', thoracic: '' };
    expect(assignAddress(start, 'thoracic', 'aa:bb:cc:00:00:02')).toEqual({ sacrum: 'AA:BB:CC:00:00:01', thoracic: 'aa:bb:cc:00:00:02' });
    // Moving the sacrum sensor to the thoracic field empties the sacrum (addresses compare case-insensitively).
    expect(assignAddress(start, 'thoracic', 'aa:bb:cc:00:00:01')).toEqual({ sacrum: '', thoracic: 'aa:bb:cc:00:00:01' });
    expect(placementOf({ sacrum: ' aa:bb:cc:00:00:01 ', thoracic: '' }, 'AA:BB:CC:00:00:01')).toBe('sacrum');
    expect(placementOf({ sacrum: '', thoracic: '' }, '')).toBeNull();
  });

  it('remembered placements fill empty fields only', () => {
    expect(prefillAddresses({ sacrum: '', thoracic: '' }, remembered('aa:01', 'aa:02'))).toEqual({ sacrum: 'aa:01', thoracic: 'aa:02' });
    expect(prefillAddresses({ sacrum: 'typed', thoracic: '' }, remembered('aa:01', null))).toEqual({ sacrum: 'typed', thoracic: '' });
    // The remembered sacrum sensor was typed into the thoracic field: it is not filled in twice.
    expect(prefillAddresses({ sacrum: '', thoracic: 'AA:01' }, remembered('aa:01', null))).toEqual({ sacrum: '', thoracic: 'AA:01' });
  });

  it('a tap moves the remembered placement in the scan list', () => {
    const list = [sensor({ address: 'aa:01', rememberedPlacement: 'sacrum' }), sensor({ address: 'aa:02' }), sensor({ address: 'aa:03', rememberedPlacement: 'thoracic' })];
    expect(withRemembered(list, 'sacrum', 'aa:02').map((s) => s.rememberedPlacement)).toEqual([null, 'sacrum', 'thoracic']);
  });
});
