/**
 * How a model's IO differs from the signature its manifest recorded: a renamed, retyped
 * or reshaped input or output means clients built against the manifest would break.
 */
import type { ModelSignature, TensorSpec } from '../registry/model-signature.js';

function formatSpec(spec: TensorSpec): string {
  return `${spec.datatype} [${spec.shape.join(', ')}]`;
}

function diffSide(role: 'input' | 'output', expected: readonly TensorSpec[], actual: readonly TensorSpec[]): string[] {
  const problems: string[] = [];
  for (const want of expected) {
    const got = actual.find((s) => s.name === want.name);
    if (!got) problems.push(`${role} '${want.name}' is in the manifest but not in the model`);
    else if (formatSpec(got) !== formatSpec(want)) problems.push(`${role} '${want.name}' is ${formatSpec(got)} in the model, ${formatSpec(want)} in the manifest`);
  }
  for (const got of actual) {
    if (!expected.some((s) => s.name === got.name)) problems.push(`${role} '${got.name}' is in the model but not in the manifest`);
  }
  return problems;
}

/** Empty when the model's IO is what the manifest says. */
export function diffSignatures(expected: ModelSignature, actual: ModelSignature): string[] {
  return [...diffSide('input', expected.inputs, actual.inputs), ...diffSide('output', expected.outputs, actual.outputs)];
}

export function describeSignature(signature: ModelSignature): { inputs: string; outputs: string } {
  const list = (specs: readonly TensorSpec[]) => specs.map((s) => `${s.name} ${formatSpec(s)}`).join(', ');
  return { inputs: list(signature.inputs), outputs: list(signature.outputs) };
}
