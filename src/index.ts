export { WsinferServer } from './server/wsinfer-server.js';
export type { ServerOptions } from './server/server-options.js';
export { DEFAULT_SERVER_OPTIONS } from './server/server-options.js';
export { WsinferClient, WsinferClientError } from './client/index.js';
export type { ClientResult, ClientTensor, ConnectOptions, InferOptions, InputValue } from './client/index.js';
export { ERROR_CODES, WsinferError } from './errors.js';
export type { ErrorCode, ErrorPayload } from './errors.js';
export { DATATYPES } from './protocol/datatypes.js';
export type { Datatype } from './protocol/datatypes.js';
