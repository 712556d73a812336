// Errors with stable codes (HINGE_ERR_...) shared by REST replies and WebSocket `error` messages.
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@hinge/protocol';
import { BleError, type BleErrorCode } from '../ble/transport';
import { RecordingLineError } from '../recording/reader';
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

/**
 * What a failed request (REST body) or message (WebSocket `error`) answers: a stable code, and a
 * one-line message that names no server path. Failures that are not the client's and not known
 * (bugs) are `HINGE_ERR_INTERNAL` with no detail; their stack goes to the log only.
 */
export function errorBody(error: Error & { statusCode?: number; code?: string; validation?: unknown }): ErrorBody {
  if (error instanceof HingeError) return { statusCode: error.statusCode, code: error.code, message: error.message };
  // Bluetooth failures keep their own code and fix-it message (ble/transport.ts).
  if (error instanceof BleError) return { statusCode: bleErrorStatus(error.code), code: error.code, message: error.message };
  if (error.validation) return { statusCode: 400, code: 'HINGE_ERR_BAD_MESSAGE', message: error.message };
  // Disk full or a read-only data directory: the request's work could not be stored (no paths in the message).
  if (isStorageError(error)) return { statusCode: 507, code: 'HINGE_ERR_STORAGE', message: `${ERROR_CODES.HINGE_ERR_STORAGE}: ${describeStorageError(error)}` };
  // A stored recording that cannot be read (corrupt gzip, a damaged header): the line and why, not the file's place.
  if (error instanceof RecordingLineError) return { statusCode: 500, code: 'HINGE_ERR_RECORDING_DAMAGED', message: `${ERROR_CODES.HINGE_ERR_RECORDING_DAMAGED}: ${error.lineAndReason}` };
  const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  // Any other client error (an unsupported content type, a malformed URL ...) is the request's fault.
  const code =
    error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'HINGE_ERR_TOO_LARGE'
      : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'HINGE_ERR_BAD_JSON'
        : statusCode < 500
          ? 'HINGE_ERR_BAD_MESSAGE'
          : 'HINGE_ERR_INTERNAL';
  return { statusCode, code, message: statusCode === 500 ? ERROR_CODES.HINGE_ERR_INTERNAL : error.message };
}
