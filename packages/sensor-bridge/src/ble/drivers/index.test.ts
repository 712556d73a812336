import { describe, expect, it } from 'vitest';
import { normalizeUuid } from '../transport';
import { driverFor, refusalFor } from './index';

describe('recognising devices from their advertisement', () => {
  const cases: [string, { localName?: string; serviceUuids: string[]; manufacturerData?: Uint8Array }, string | undefined][] = [
    ['MetaWear service UUID', { serviceUuids: [normalizeUuid('326A9000-85CB-9195-D9DD-464CFBBAE75A')] }, 'metamotion'],
    ['MetaMotion by name only', { localName: 'MetaMotion S', serviceUuids: [] }, 'metamotion'],
    ['DOT by Xsens company id 0x0886', { serviceUuids: [], manufacturerData: Uint8Array.from([0x86, 0x08, 0x00]) }, 'dot'],
    ['Movella DOT by name', { localName: 'Movella DOT', serviceUuids: [] }, 'dot'],
    ['WitMotion ffe5 on the 9a34fb base', { serviceUuids: [normalizeUuid('0000ffe5-0000-1000-8000-00805f9a34fb')] }, 'witmotion'],
    ['SIG-base ffe5 is not WitMotion', { serviceUuids: [normalizeUuid('0000ffe5-0000-1000-8000-00805f9b34fb')] }, undefined],
    ['Thingy configuration service', { serviceUuids: ['ef6801009b3549339b1052ffa9740042'] }, 'thingy52'],
    ['open profile service', { serviceUuids: ['6869e0014a8f4f0d9b5e1c2d3e4f5a60'] }, 'generic'],
    ['a heart-rate strap', { localName: 'HRM', serviceUuids: ['180d'] }, undefined],
  ];
  for (const [name, ad, model] of cases) {
    it(name, () => expect(driverFor(ad)?.model).toBe(model));
  }

  it('refuses a MetaWear in firmware-update (MetaBoot) mode', () => {
    expect(refusalFor({ serviceUuids: [normalizeUuid('00001530-1212-efde-1523-785feabcd123')] })).toMatch(/MetaBoot/);
    expect(refusalFor({ serviceUuids: ['180d'] })).toBeUndefined();
  });

  it('normalizes SIG-base UUIDs to their short form and others to compact lowercase', () => {
    expect(normalizeUuid('0000180F-0000-1000-8000-00805F9B34FB')).toBe('180f');
    expect(normalizeUuid('0000FFE5-0000-1000-8000-00805F9A34FB')).toBe('0000ffe500001000800000805f9a34fb');
  });
});
