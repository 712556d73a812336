import { describe, expect, it } from 'vitest';
import { STANDARD_GRAVITY_MS2 } from '../../ble/decoders/types';
import { main } from '../main';
import { capturedIO } from '../../../test/captured-io';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = capturedIO();
  const code = await main(args, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

describe('hinge decode', () => {
  it('decodes the MetaWear SDK vector test_accelerometer_bmi160.py test_get_acceleration_data_g with --acc-range 4', async () => {
    const r = await run(['decode', 'metamotion', '03 04 16 c4 94 a2 2a d0', '--acc-range', '4']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out.trim()) as { acc: number[] };
    expect(line.acc.map((a) => +(a / STANDARD_GRAVITY_MS2).toFixed(3))).toEqual([-1.872, -2.919, -1.495]);
  });

  it('decodes packed gyro with --gyro-range and prints three samples', async () => {
    const r = await run(['decode', 'metamotion', '0x13,0x07,0x09,0x15,0xad,0x26,0x08,0xde,0x8a,0x1a,0x0d,0x26,0x65,0xe4,0x8d,0x20,0xac,0x27,0x73,0xec', '--gyro-range', '1000']);
    expect(r.out.trim().split('\n')).toHaveLength(3);
  });

  it('re-frames WitMotion bytes across arguments and reports an unfinished frame', async () => {
    const r = await run(['decode', 'witmotion', '55 71 3A 00 68 01 69 00 7A 00', '00 00 00 00 00 00 00 00 00 00', '5561']);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ packet: 1, mag: [36, 10.5, expect.closeTo(12.2, 9)] });
    expect(lines[1]).toMatchObject({ problem: 'malformed' });
    expect(r.code).toBe(1);
  });

  it('prints a problem line for a short packet and exits 1; bad hex and unknown models are usage errors', async () => {
    const short = await run(['decode', 'thingy52', '0004']);
    expect(short.code).toBe(1);
    expect(JSON.parse(short.out)).toMatchObject({ packet: 0, problem: 'malformed' });
    expect((await run(['decode', 'dot', 'zz'])).err).toMatch(/not hex bytes/);
    expect((await run(['decode', 'fitbit', '00'])).code).toBe(2);
    expect((await run(['decode', 'metamotion', '030400000000', '--acc-range', '3'])).err).toMatch(/--acc-range must be one of 2, 4, 8, 16/);
  });
});
