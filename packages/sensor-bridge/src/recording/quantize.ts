// Rounds sample values to the resolution the sensor really has before they are recorded and analysed
// (server/session-timeline.ts, cli record): a value decoded from a 16-bit count needs 3 or 4 decimals,
// not the 17 digits of its float, and digits that carry only noise cost space even compressed. Each value
// is rounded to the fewest decimals whose step is at most half an LSB, so distinct counts stay distinct
// and the error is at most a quarter of an LSB. See docs/recording-format.md ("Resolution").
import { isEventLine, type RecordingHeader, type RecordingLine, type SensorResolution, type Vec3, type Quat } from '@hinge/protocol';

/** Decimals of `t`: 0.1 ms, far below a 100 Hz sample period and the radio's timing jitter. */
export const T_DECIMALS = 4;
/** Decimals of a quaternion component: 1e-6 is about 1e-4 deg, below any device's orientation accuracy. */
export const QUAT_DECIMALS = 6;
/**
 * Decimals for a sensor whose header states no resolution (simulator, replays, devices that send floats):
 * finer than the finest supported device (MetaWear at +-2 g: 0.0006 m/s^2; at 125 deg/s: 6.7e-5 rad/s).
 */
export const DEFAULT_DECIMALS = { acc: 4, gyr: 5, mag: 2 } as const;
const MAX_DECIMALS = 9;

/** The fewest decimals whose step (10^-d) is at most half of `lsb`. */
export function decimalsFor(lsb: number): number {
  return Math.min(MAX_DECIMALS, Math.max(0, Math.ceil(-Math.log10(lsb / 2) - 1e-9)));
}

const roundTo = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f + 0; // + 0: no -0 in the file
};
const roundVec = <T extends Vec3 | Quat>(v: T, decimals: number): T => v.map((x) => roundTo(x, decimals)) as T;

interface Decimals {
  acc: number;
  gyr: number;
  mag: number;
}

function decimalsOf(resolution: SensorResolution | undefined): Decimals {
  return {
    acc: resolution?.acc ? decimalsFor(resolution.acc) : DEFAULT_DECIMALS.acc,
    gyr: resolution?.gyr ? decimalsFor(resolution.gyr) : DEFAULT_DECIMALS.gyr,
    mag: resolution?.mag ? decimalsFor(resolution.mag) : DEFAULT_DECIMALS.mag,
  };
}

/** A function that rounds the samples of `header`'s sensors to their resolution; event lines pass unchanged. */
export function createQuantizer(header: RecordingHeader): (line: RecordingLine) => RecordingLine {
  const bySensor = new Map(header.sensors.map((s) => [s.id, decimalsOf(s.resolution)]));
  return (line) => {
    if (isEventLine(line)) return line;
    const d = bySensor.get(line.sensor) ?? decimalsOf(undefined);
    const out: RecordingLine = { ...line, t: roundTo(line.t, T_DECIMALS) };
    if (line.acc) out.acc = roundVec(line.acc, d.acc);
    if (line.gyr) out.gyr = roundVec(line.gyr, d.gyr);
    if (line.mag) out.mag = roundVec(line.mag, d.mag);
    if (line.quat) out.quat = roundVec(line.quat, QUAT_DECIMALS);
    return out;
  };
}
