/**
 * Every metric name the server exports, in one place: names are API for dashboards and
 * alerts, so they change only here and only deliberately.
 */
export const METRIC = {
  requestsTotal: 'inference_requests_total',
  requestDuration: 'inference_request_duration_seconds',
  queueDuration: 'inference_queue_duration_seconds',
  computeDuration: 'inference_compute_duration_seconds',
  batchSize: 'inference_batch_size',
  pendingRequests: 'inference_pending_requests',
  batchesTotal: 'wsinfer_batches_total',
  gpuSpills: 'wsinfer_gpu_spills_total',
  routedRequests: 'wsinfer_routed_requests_total',
  canaryPercent: 'wsinfer_canary_percent',
  rollbacks: 'wsinfer_rollbacks_total',
  promotions: 'wsinfer_promotions_total',
  shadowRequests: 'wsinfer_shadow_requests_total',
  shadowDuration: 'wsinfer_shadow_duration_seconds',
  shadowMaxAbsDiff: 'wsinfer_shadow_max_abs_diff',
  shadowComparedRows: 'wsinfer_shadow_compared_rows_total',
  shadowArgmaxMismatches: 'wsinfer_shadow_argmax_mismatches_total',
  experimentFeedback: 'wsinfer_experiment_feedback_total',
  wsConnections: 'wsinfer_ws_connections',
  wsClosedByServer: 'wsinfer_ws_closed_by_server_total',
  spinAllowedThreads: 'wsinfer_spin_allowed_threads',
  spinPollingThreads: 'wsinfer_spin_polling_threads',
} as const;

export type Outcome = 'success' | 'rejected' | 'timeout' | 'error';

/**
 * 8 buckets per decade from 100 µs to 10 s (each ~33 % above the last): histogram_quantile
 * then reads p50/p95/p99 to within a bucket's width anywhere in that range.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: 41 }, (_, i) => Number((1e-4 * 10 ** (i / 8)).toPrecision(3))),
);

export const BATCH_SIZE_BUCKETS: readonly number[] = Object.freeze([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);

/** Label value for requests naming a model the server does not have (bounds cardinality). */
export const UNKNOWN_MODEL_LABEL = '_unknown';
