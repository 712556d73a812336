// Sensor setup over REST (docs/server.md, "Finding and assigning sensors"): scan for sensors, tap one
// to say which placement it is on, and read the placements remembered in the data dir. Registered
// inside restRoutes, so the access rules apply; every route is a clinician action.
// One Bluetooth job at a time, and none while a live Bluetooth session streams: a scan stops the
// adapter's scanning, which a live source needs to find a sensor again after a drop-out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  IDENTIFY_SCAN_DEFAULT_S,
  IDENTIFY_TAP_DEFAULT_S,
  IdentifySensorBody,
  IdentifySensorReply,
  SCAN_DEFAULT_S,
  ScanSensorsBody,
  ScanSensorsReply,
  SensorPlacements,
  type FoundSensorInfo,
  type RememberedPlacement,
  type SensorPlacement,
} from '@hinge/protocol';
import { refusalFor } from '../ble/drivers/index';
import { addressFor, loadPlacements, rememberPlacement, type PlacementMemory } from '../ble/placements';
import { identifyByTap, scanForSensors } from '../ble/scan';
import { BleError, type BleTransport } from '../ble/transport';
import { HingeError } from './errors';
import { ERROR_RESPONSES } from './route-schemas';

/** A sensor that does not answer the battery read within this is listed without a battery level. */
const BATTERY_CONNECT_TIMEOUT_MS = 3000;

export async function sensorRoutes(fastify: FastifyInstance, options: { clinician: (request: FastifyRequest) => Promise<void> }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sensors'];
  const { hub, layout, bleTransport } = app.bridge;
  const dataDir = layout.root;
  const { clinician } = options;

  let transport: BleTransport | undefined;
  let busy = false;
  /** Runs one Bluetooth job with the (lazily loaded, then kept) transport. */
  async function exclusive<T>(job: (transport: BleTransport) => Promise<T>): Promise<T> {
    if (busy) throw new HingeError('HINGE_ERR_BLE_BUSY', 409, 'another scan or identify is running; wait for it to finish');
    if (hub.runningSessions().some((s) => s.capabilities.includes('live'))) {
      throw new HingeError('HINGE_ERR_BLE_BUSY', 409, 'a live Bluetooth session is running; end it before scanning');
    }
    busy = true;
    try {
      transport ??= await bleTransport();
      return await job(transport);
    } finally {
      busy = false;
    }
  }

  app.post(
    '/sensors/scan',
    {
      preHandler: clinician,
      // The body is optional: a bare POST scans with the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { tags, body: ScanSensorsBody, response: { 200: ScanSensorsReply, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const seconds = request.body.seconds ?? SCAN_DEFAULT_S;
      const found = await exclusive((t) => scanForSensors(t, { durationMs: seconds * 1000, readBattery: true, connectTimeoutMs: BATTERY_CONNECT_TIMEOUT_MS }));
      const memory = loadPlacements(dataDir);
      const sensors: FoundSensorInfo[] = found
        // Supported sensors, and recognised ones hinge refuses (so the clinician learns why); not every phone and headset nearby.
        .filter((f) => f.model !== null || refusalFor(f.device.advertisement) !== undefined)
        .map((f) => ({
          name: f.name,
          model: f.model,
          address: f.address,
          rssiDbm: f.rssiDbm,
          batteryPct: f.batteryPct,
          rememberedPlacement: memory.sensors[f.address]?.placement ?? null,
          refusal: f.refusal,
        }));
      return { seconds, sensors, warnings: memory.warning ? [memory.warning] : [] };
    },
  );

  const identifyResponse = { 200: IdentifySensorReply, ...ERROR_RESPONSES };
  app.post('/sensors/identify', { preHandler: clinician, schema: { tags, body: IdentifySensorBody, response: identifyResponse } }, async (request) => {
    const { placement } = request.body;
    const seconds = request.body.seconds ?? IDENTIFY_TAP_DEFAULT_S;
    const scanSeconds = request.body.scanSeconds ?? IDENTIFY_SCAN_DEFAULT_S;
    return exclusive(async (t) => {
      const found = await scanForSensors(t, { durationMs: scanSeconds * 1000, readBattery: false });
      const candidates = found.filter((f) => f.model !== null && f.refusal === null && f.address !== '');
      if (candidates.length === 0) {
        throw new BleError('HINGE_ERR_BLE_SENSOR_NOT_FOUND', `no supported sensor found in ${scanSeconds} s: switch the sensors on (a shake wakes most), bring them closer, and make sure no phone app is connected to them`);
      }
      const address = await identifyByTap(t, candidates, { timeoutMs: seconds * 1000 });
      if (!address) throw new HingeError('HINGE_ERR_BLE_NO_TAP', 422, `no tap seen within ${seconds} s on any of ${candidates.length} sensor(s)`);
      const sensor = candidates.find((c) => c.address === address)!;
      const previousAddress = addressFor(loadPlacements(dataDir), placement) ?? null;
      rememberPlacement(dataDir, address, { placement, model: sensor.model!, name: sensor.name });
      return { placement, address, name: sensor.name, model: sensor.model!, previousAddress: previousAddress === address ? null : previousAddress };
    });
  });

  app.get('/sensors/placements', { preHandler: clinician, schema: { tags, response: { 200: SensorPlacements, ...ERROR_RESPONSES } } }, async () => {
    const memory = loadPlacements(dataDir);
    return { sacrum: remembered(memory, 'sacrum'), thoracic: remembered(memory, 'thoracic'), warnings: memory.warning ? [memory.warning] : [] };
  });
}

function remembered(memory: PlacementMemory, placement: SensorPlacement): RememberedPlacement | null {
  const address = addressFor(memory, placement);
  if (!address) return null;
  const entry = memory.sensors[address]!;
  return { address, model: entry.model ?? null, name: entry.name ?? null, updatedAt: entry.updatedAt };
}
