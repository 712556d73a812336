// Errors with stable codes (HINGE_ERR_...) shared by REST replies and WebSocket `error` messages.
import { ERROR_CODES, type ErrorCode } from '@hinge/protocol';
import type { BleErrorCode } from '../ble/transport';
import { describeStorageError, isStorageError } from '../storage/storage-error';

export class HingeError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    /** Extra detail appended to the stable message, e.g. which field was wrong. */
    detail?: string,
    /** `retryAfterS`: sent as Retry-After (a 503 for work that is busy now). */
    readonly options: { retryAfterS?: number } = {},
  ) {
    super(detail ? `${ERROR_CODES[code]}: ${detail}` : ERROR_CODES[code]);
  }
}

/** HTTP status of a Bluetooth failure: the adapter is unusable (503), a sensor did not answer (504, 502), or was not found (404). */
export function bleErrorStatus(code: BleErrorCode): number {
  switch (code) {
    case 'HINGE_ERR_BLE_CONNECT_TIMEOUT':
      return 504;
    case 'HINGE_ERR_BLE_GATT':
      return 502;
    case 'HINGE_ERR_BLE_SENSOR_NOT_FOUND':
      return 404;
    default:
      return 503;
  }
}

/**
 * A start-up failure of the data directory (disk full, read-only, not ours) as one line with a code:
 * `HINGE_ERR_STORAGE: cannot start on /data (opening the database): read-only (SQLITE_CANTOPEN)`.
 * Anything that is not a storage failure is passed on unchanged.
 */
export function startupStorageError(root: string, step: string, error: unknown): Error {
  if (!isStorageError(error)) return error as Error;
  return Object.assign(new Error(`HINGE_ERR_STORAGE: cannot start on ${root} (${step}): ${describeStorageError(error)}`), { code: 'HINGE_ERR_STORAGE' });
}
