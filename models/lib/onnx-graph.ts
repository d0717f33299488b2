/**
 * A small ONNX graph builder over `onnx-proto`'s protobuf classes, for the shipped example
 * models and the test fixtures. Output is byte-for-byte reproducible: no timestamps, names
 * come from call order, and initializer bytes are written little-endian explicitly.
 */
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS assigning `module.exports = $root`, which Node's ESM loader
// cannot see named exports through; alias the namespace off the default export (the
// alias keeps both its values and its types).
import onnx = onnxProto.onnx;
export { onnx };

export { mulberry32, uniform, heUniform, xavierUniform, smallBias } from './seeded-init.js';
export type { Rng } from './seeded-init.js';

/** ONNX TensorProto element types, by ONNX's own names. */
export const ElemType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** A fixed size, or a symbolic name (dim_param) such as "batch" for a dynamic dim. */
export type Dim = number | string;

/** Attribute values: number → INT, number[] → INTS, string → STRING, floatAttr() → FLOAT. */
export type AttrValue = number | readonly number[] | string | FloatAttr | FloatsAttr;
export interface FloatAttr { readonly float: number }
export interface FloatsAttr { readonly floats: readonly number[] }

/** Marks a number as a FLOAT attribute (a bare number is INT, as most ONNX attributes are). */
export function floatAttr(value: number): FloatAttr {
  return { float: value };
}
export function floatsAttr(values: readonly number[]): FloatsAttr {
  return { floats: values };
}

/** The opset and IR version every generated model declares. */
export const OPSET_VERSION = 17;
export const IR_VERSION = 8;
export const PRODUCER_NAME = 'wsinfer-models';

export interface ModelMeta {
  /** Human-readable description stored as the model's doc_string. */
  readonly doc?: string;
}

export class GraphBuilder {
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  /** Every value name defined so far (inputs, initializers, node outputs). */
  private readonly defined = new Set<string>();
  private readonly opCounts = new Map<string, number>();
  private tempCount = 0;

  constructor(readonly name: string) {}

  /** Declares a graph input. */
  input(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.define(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output; the value must already be produced by a node or be an input. */
  output(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    if (!this.defined.has(name)) throw new Error(`${this.name}: output ${name} is not produced`);
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Adds an initializer from raw little-endian bytes. */
  rawInitializer(name: string, elemType: ElemType, dims: readonly number[], bytes: Uint8Array): string {
    this.define(name);
    this.initializers.push({ name, dataType: elemType, dims: [...dims], rawData: bytes });
    return name;
  }

  /** Adds an FP32 initializer; `data.length` must equal the product of `dims`. */
  floatInitializer(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    checkCount(name, dims, data.length);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
    return this.rawInitializer(name, ElemType.FLOAT, dims, bytes);
  }

  /** Adds an INT64 initializer (axes, shapes). */
  int64Initializer(name: string, dims: readonly number[], data: readonly (number | bigint)[]): string {
    checkCount(name, dims, data.length);
    const bytes = new Uint8Array(data.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]!), true);
    return this.rawInitializer(name, ElemType.INT64, dims, bytes);
  }

  /**
   * Adds a node. `outputs` is a list of names, or a count of fresh names to make;
   * returns the output names so calls chain (`const h = g.node('Relu', [x])[0]`).
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attributes: Readonly<Record<string, AttrValue>> = {},
  ): string[] {
    for (const input of inputs) {
      // An empty name is ONNX's way of skipping an optional input.
      if (input !== '' && !this.defined.has(input)) {
        throw new Error(`${this.name}: ${opType} input ${input} is not defined`);
      }
    }
    const index = this.opCounts.get(opType) ?? 0;
    this.opCounts.set(opType, index + 1);
    const outNames = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => `t${this.tempCount++}`)
      : [...outputs];
    for (const out of outNames) this.define(out);
    this.nodes.push({
      name: `${opType}_${index}`,
      opType,
      input: [...inputs],
      output: outNames,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outNames;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, AttrValue>>, output?: string): string {
    return this.node(opType, inputs, output === undefined ? 1 : [output], attributes)[0]!;
  }

  toModel(meta: ModelMeta = {}): onnx.ModelProto {
    if (this.outputs.length === 0) throw new Error(`${this.name}: graph has no outputs`);
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: PRODUCER_NAME,
      docString: meta.doc ?? '',
      opsetImport: [{ domain: '', version: OPSET_VERSION }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }

  toBytes(meta?: ModelMeta): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(meta)).finish();
  }

  private define(name: string): void {
    if (name === '') throw new Error(`${this.name}: empty value name`);
    if (this.defined.has(name)) throw new Error(`${this.name}: value ${name} defined twice`);
    this.defined.add(name);
  }
}

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use floatAttr() for ${value}`);
    return { name, type: T.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (isFloatAttr(value)) return { name, type: T.FLOAT, f: value.float };
  if (isFloatsAttr(value)) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.INTS, ints: [...value] };
}

function isFloatAttr(value: AttrValue): value is FloatAttr {
  return typeof value === 'object' && 'float' in value;
}

function isFloatsAttr(value: AttrValue): value is FloatsAttr {
  return typeof value === 'object' && 'floats' in value;
}

function checkCount(name: string, dims: readonly number[], count: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count) throw new Error(`initializer ${name}: ${count} values for dims [${dims}]`);
}
