// `hinge decode MODEL HEX...`: decodes notification bytes with the same pure decoders the drivers use
// and prints one JSON line per reading (SI units: acc m/s^2, gyr rad/s, mag uT). Each HEX argument is one
// notification; for MetaMotion it is the packet as notified, module and register bytes included.
import { METAWEAR_ACC_RANGES_G, METAWEAR_GYR_RANGES_DPS, decodeMetaWear, type MetaWearChip } from '../../ble/decoders/metawear';
import { decodeDot, type DotPayloadMode } from '../../ble/decoders/dot';
import { decodeGeneric } from '../../ble/decoders/generic';
import { decodeThingy52, type ThingyStream } from '../../ble/decoders/thingy52';
import type { DecodeResult, Reading } from '../../ble/decoders/types';
import { decodeWitMotion } from '../../ble/decoders/witmotion';
import { CliError, parseCommandArgs, write, type Command } from '../command';

const usage = `usage: hinge decode MODEL HEX... [options]

Decodes BLE notification bytes to samples and prints them as JSON lines
(acc m/s^2, gyr rad/s, mag uT, quat [w,x,y,z], deviceTimeS, seq). Each HEX is one
notification ("030416c494a22ad0", "03 04 16 c4", or "0x03,0x04,..."). Packets that
cannot be used are printed as {"packet":N,"problem":...}; the exit code is then 1.

models: metamotion, thingy52, dot, witmotion, generic

options:
  --acc-range G        metamotion: configured accelerometer range, 2/4/8/16 g (default 8)
  --gyro-range DPS     metamotion: configured gyro range, 125..2000 deg/s (default 1000)
  --chip CHIP          metamotion: bmi160 (MetaMotion R/RL, default) or bmi270 (MetaMotion S)
  --stream S           thingy52: raw (default) or quaternion
  --mode M             dot: rate (payload 20, default) or orientation (payload 5)
  --rate HZ            generic: configured rate, used for the times of later samples (default 100)

WitMotion arguments are one byte stream, re-framed across arguments as the driver does.
example: hinge decode metamotion 030416c494a22ad0 --acc-range 4
`;

export function parseHex(text: string): Uint8Array {
  const compact = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || /[^0-9a-f]/i.test(compact)) {
    throw new CliError('HINGE_ERR_USAGE', `not hex bytes: ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(Buffer.from(compact, 'hex'));
}

function oneOf<T extends string | number>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const match = allowed.find((a) => String(a) === value);
  if (match === undefined) throw new CliError('HINGE_ERR_USAGE', `${name} must be one of ${allowed.join(', ')} (got ${value})`);
  return match;
}

function readingJson(packet: number, r: Reading): string {
  const out: Record<string, unknown> = { packet };
  if (r.deviceTimeS !== undefined) out.deviceTimeS = r.deviceTimeS;
  if (r.seq !== undefined) out.seq = r.seq;
  if (r.accMS2) out.acc = r.accMS2;
  if (r.gyrRadS) out.gyr = r.gyrRadS;
  if (r.magUT) out.mag = r.magUT;
  if (r.quat) out.quat = r.quat;
  return JSON.stringify(out);
}

export const decodeCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(args, {
          'acc-range': { type: 'string' },
          'gyro-range': { type: 'string' },
          chip: { type: 'string' },
          stream: { type: 'string' },
          mode: { type: 'string' },
          rate: { type: 'string' },
        }, usage);
    const [model, ...hexes] = parsed.positionals;
    if (!model || hexes.length === 0) throw new CliError('HINGE_ERR_USAGE', `give a model and at least one packet\n\n${usage}`);
    const o = parsed.values;
    const packets = hexes.map(parseHex);
    let decode: (bytes: Uint8Array) => DecodeResult;
    let leftover: () => string | undefined = () => undefined;
    switch (model) {
      case 'metamotion': {
        const config = {
          chip: oneOf<MetaWearChip>('--chip', o.chip, ['bmi160', 'bmi270'], 'bmi160'),
          accRangeG: oneOf('--acc-range', o['acc-range'], METAWEAR_ACC_RANGES_G, 8),
          gyrRangeDps: oneOf('--gyro-range', o['gyro-range'], METAWEAR_GYR_RANGES_DPS, 1000),
        };
        decode = (bytes) => decodeMetaWear(bytes, config);
        break;
      }
      case 'thingy52': {
        const stream = oneOf<ThingyStream>('--stream', o.stream, ['raw', 'quaternion'], 'raw');
        decode = (bytes) => decodeThingy52(bytes, stream);
        break;
      }
      case 'dot': {
        const mode = oneOf<DotPayloadMode>('--mode', o.mode, ['rate', 'orientation'], 'rate');
        decode = (bytes) => decodeDot(bytes, mode);
        break;
      }
      case 'generic': {
        const rateHz = Number(o.rate ?? 100);
        if (!(rateHz > 0 && rateHz <= 1000)) throw new CliError('HINGE_ERR_USAGE', `--rate must be a rate in Hz between 0 and 1000 (got ${o.rate})`);
        decode = (bytes) => decodeGeneric(bytes, { rateHz });
        break;
      }
      case 'witmotion': {
        let carry: Uint8Array = new Uint8Array(0);
        decode = (bytes) => {
          const { result, rest } = decodeWitMotion(carry, bytes);
          carry = rest;
          return result;
        };
        // The stream must end on a frame boundary; say so if it does not.
        leftover = () => (carry.length > 0 ? `${carry.length} bytes of an unfinished frame at the end` : undefined);
        break;
      }
      default:
        throw new CliError('HINGE_ERR_USAGE', `unknown model "${model}": use metamotion, thingy52, dot, witmotion or generic`);
    }
    let problems = 0;
    for (const [i, bytes] of packets.entries()) {
      const result = decode(bytes);
      for (const r of result.readings) await write(io.out, readingJson(i, r) + '\n');
      if (result.problem) {
        problems++;
        await write(io.out, JSON.stringify({ packet: i, problem: result.problem.kind, reason: result.problem.reason }) + '\n');
      }
    }
    const unfinished = leftover();
    if (unfinished) {
      problems++;
      await write(io.out, JSON.stringify({ packet: packets.length - 1, problem: 'malformed', reason: unfinished }) + '\n');
    }
    return problems > 0 ? 1 : 0;
  },
};
