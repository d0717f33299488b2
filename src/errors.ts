/**
 * The one registry of error codes. Codes are API: documented in docs/errors.md, never
 * renamed or reused. Each says how a client should react (retryable), which HTTP status
 * the OIP endpoints answer with, and — for the few that end a connection — the WebSocket
 * close code.
 */

export interface ErrorSpec {
  /** HTTP status for the OIP endpoints. */
  readonly httpStatus: number;
  /** True when sending the same request again later may succeed. */
  readonly retryable: boolean;
  /** Set when this error closes the WebSocket it happened on. */
  readonly wsCloseCode?: number;
  /** Default message; call sites usually pass a more specific one. */
  readonly message: string;
}

export const ERROR_CODES = {
  ERR_PROTO_MALFORMED: { httpStatus: 400, retryable: false, message: 'message could not be decoded' },
  ERR_PROTO_TOO_LARGE: { httpStatus: 413, retryable: false, wsCloseCode: 1009, message: 'message exceeds maxPayloadBytes' },
  ERR_PROTO_UNKNOWN_OP: { httpStatus: 400, retryable: false, message: 'unknown op' },
  ERR_MODEL_NOT_FOUND: { httpStatus: 404, retryable: false, message: 'model or version not found' },
  ERR_MODEL_NOT_READY: { httpStatus: 503, retryable: true, message: 'model is not ready' },
  ERR_MODEL_LOAD_FAILED: { httpStatus: 500, retryable: false, message: 'model failed to load' },
  ERR_MANIFEST_MISMATCH: { httpStatus: 500, retryable: false, message: 'model version does not match its manifest' },
  ERR_GPU_UNAVAILABLE: { httpStatus: 503, retryable: false, message: 'a GPU instance was required but no GPU is usable' },
  ERR_CONFIG_INVALID: { httpStatus: 400, retryable: false, message: 'invalid configuration' },
  ERR_INPUT_INVALID: { httpStatus: 400, retryable: false, message: 'input does not match the model' },
  ERR_QUEUE_FULL: { httpStatus: 429, retryable: true, message: 'model queue is full' },
  ERR_TOO_MANY_IN_FLIGHT: { httpStatus: 429, retryable: true, message: 'too many requests in flight on this connection' },
  ERR_TIMEOUT: { httpStatus: 504, retryable: true, message: 'request timed out while queued' },
  ERR_INFERENCE_FAILED: { httpStatus: 500, retryable: false, message: 'inference failed' },
  ERR_WORKER_EXITED: { httpStatus: 500, retryable: true, message: 'worker exited while running the batch' },
  ERR_SLOW_CONSUMER: { httpStatus: 503, retryable: true, wsCloseCode: 1013, message: 'client is not reading its replies' },
  ERR_SHUTTING_DOWN: { httpStatus: 503, retryable: true, wsCloseCode: 1001, message: 'server is shutting down' },
  ERR_NOT_FOUND: { httpStatus: 404, retryable: false, message: 'no such endpoint' },
  ERR_METHOD_NOT_ALLOWED: { httpStatus: 405, retryable: false, message: 'method not allowed' },
  ERR_UNAUTHORIZED: { httpStatus: 401, retryable: false, message: 'missing or wrong bearer token' },
  ERR_FORBIDDEN: { httpStatus: 403, retryable: false, message: 'the admin API is off on this address; set an admin token' },
  ERR_MODEL_CONTROL_MODE: { httpStatus: 409, retryable: false, message: 'not allowed in this model control mode' },
  ERR_FEEDBACK_UNMATCHED: { httpStatus: 404, retryable: false, message: 'no experiment assignment awaits feedback for this request id' },
  ERR_CONNECTION_CLOSED: { httpStatus: 503, retryable: true, message: 'connection closed before the answer arrived' },
  ERR_INTERNAL: { httpStatus: 500, retryable: false, message: 'internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that carries one of the registered codes. */
export class WsinferError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const spec: ErrorSpec = ERROR_CODES[code];
    super(message ?? spec.message, options);
    this.name = 'WsinferError';
    this.code = code;
    this.retryable = spec.retryable;
    this.httpStatus = spec.httpStatus;
  }
}

/** Plain form that crosses threads and the wire (structured clone drops Error#code on Node 20). */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Any thrown value → a registered code; unknown errors become ERR_INTERNAL. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof WsinferError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (isErrorCode(code)) {
    return { code, message: String((error as Error).message ?? ERROR_CODES[code].message), retryable: ERROR_CODES[code].retryable };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'ERR_INTERNAL', message, retryable: false };
}
