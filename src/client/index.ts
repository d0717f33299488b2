export { WsinferClient, WsinferClientError } from './wsinfer-client.js';
export type { ClientResult, ClientTensor, ConnectOptions, InferOptions, InputValue } from './wsinfer-client.js';
export { datatypeOfArray } from './typed-arrays.js';
