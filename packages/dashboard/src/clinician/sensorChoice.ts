// Choosing the two sensors of a live session from a scan: which found sensors can be assigned, how
// signal and battery read in words, and the sacrum/thoracic address pair as the clinician assigns,
// taps or types (one sensor cannot be on both placements).
import type { FoundSensorInfo, SensorPlacement, SensorPlacements } from '@hinge/protocol';

export type Addresses = Record<SensorPlacement, string>;

export const PLACEMENTS: readonly SensorPlacement[] = ['sacrum', 'thoracic'];

const MODEL_NAMES: Record<string, string> = {
  metamotion: 'MetaMotion',
  dot: 'Movella DOT',
  witmotion: 'WitMotion WT901BLE',
  thingy52: 'Nordic Thingy:52',
  generic: 'hinge open profile',
};

/** The model's product name; null for a sensor hinge cannot use. */
export function modelName(model: string | null): string | null {
  return model === null ? null : (MODEL_NAMES[model] ?? model);
}

/** A sensor hinge can stream from, with an address to put in the session. */
export function canAssign(sensor: FoundSensorInfo): boolean {
  return sensor.model !== null && sensor.refusal === null && sensor.address !== '';
}

/**
 * Signal strength in words and dBm. Bands are rules of thumb for BLE at body distance: above -65 dBm
 * is a steady link, below -80 dBm drop-outs become likely.
 */
export function signalStrength(rssiDbm: number): 'strong' | 'fair' | 'weak' {
  return rssiDbm >= -65 ? 'strong' : rssiDbm >= -80 ? 'fair' : 'weak';
}

/** At or below this charge the finder says "charge soon", %. */
export const LOW_BATTERY_PCT = 20;

/** Puts `address` on `placement`; if the other placement had the same sensor, that one is emptied. */
export function assignAddress(addresses: Addresses, placement: SensorPlacement, address: string): Addresses {
  const next = { ...addresses, [placement]: address };
  for (const other of PLACEMENTS) {
    if (other !== placement && same(next[other], address)) next[other] = '';
  }
  return next;
}

/** Fills the empty fields from the remembered placements; what the clinician typed stays. */
export function prefillAddresses(addresses: Addresses, remembered: SensorPlacements): Addresses {
  let next = addresses;
  for (const placement of PLACEMENTS) {
    const address = remembered[placement]?.address;
    if (address && next[placement].trim() === '' && !PLACEMENTS.some((p) => same(next[p], address))) next = { ...next, [placement]: address };
  }
  return next;
}

/** Which placement (if any) an address is assigned to in the form. */
export function placementOf(addresses: Addresses, address: string): SensorPlacement | null {
  return PLACEMENTS.find((p) => same(addresses[p], address)) ?? null;
}

/** After a tap was remembered on the bridge: the scan list shows the new memory. */
export function withRemembered(sensors: FoundSensorInfo[], placement: SensorPlacement, address: string): FoundSensorInfo[] {
  return sensors.map((s) => {
    if (same(s.address, address)) return { ...s, rememberedPlacement: placement };
    return s.rememberedPlacement === placement ? { ...s, rememberedPlacement: null } : s;
  });
}

const same = (a: string, b: string): boolean => a.trim() !== '' && a.trim().toLowerCase() === b.trim().toLowerCase();
