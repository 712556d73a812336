// Every supported sensor, in the order a device is matched against them.
import type { Advertisement } from '../transport';
import { dotDriver } from './dot';
import type { SensorDriver } from './driver';
import { genericDriver } from './generic';
import { METABOOT_SERVICE, metamotionDriver } from './metamotion';
import { thingy52Driver } from './thingy52';
import { witmotionDriver } from './witmotion';

export const DRIVERS: readonly SensorDriver[] = [genericDriver, metamotionDriver, dotDriver, thingy52Driver, witmotionDriver];

export function driverFor(advertisement: Advertisement): SensorDriver | undefined {
  return DRIVERS.find((d) => d.matches(advertisement));
}

/** A device hinge recognises but must not stream from, with the reason for people. */
export function refusalFor(advertisement: Advertisement): string | undefined {
  if (advertisement.serviceUuids.includes(METABOOT_SERVICE)) {
    return 'MetaWear in firmware-update (MetaBoot) mode: finish or restart the update in the MetaBase app first';
  }
  return undefined;
}
