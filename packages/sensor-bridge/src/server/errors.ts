// Errors with stable codes (HINGE_ERR_...) shared by REST replies and WebSocket `error` messages.
import { ERROR_CODES, type ErrorCode } from '@hinge/protocol';

export class HingeError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    /** Extra detail appended to the stable message, e.g. which field was wrong. */
    detail?: string,
  ) {
    super(detail ? `${ERROR_CODES[code]}: ${detail}` : ERROR_CODES[code]);
  }
}
