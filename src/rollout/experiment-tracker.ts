/**
 * An A/B experiment's bookkeeping: which arm each request was assigned to, and the
 * feedback values that came back for each arm. Assignments are kept for a bounded number
 * of recent requests; feedback for an older request is refused, not guessed.
 */
import { WsinferError } from '../errors.js';
import { experimentReport } from './experiment-report.js';
import type { ExperimentPolicy } from './routing-policy.js';
import { RunningSummary } from './running-summary.js';

export type Arm = 'a' | 'b';

/** Requests remembered for feedback; older assignments are forgotten first. */
const MAX_ASSIGNMENTS = 100_000;

export class ExperimentTracker {
  private readonly assignments = new Map<string, Arm>();
  private readonly summaries: Record<Arm, RunningSummary> = { a: new RunningSummary(), b: new RunningSummary() };
  readonly startedAt = new Date().toISOString();

  constructor(private current: ExperimentPolicy) {}

  get policy(): ExperimentPolicy {
    return this.current;
  }

  /** Same experiment, new split or sticky key: the feedback collected so far still counts. */
  updatePolicy(policy: ExperimentPolicy): void {
    this.current = policy;
  }

  /** Same two versions and metric: the collected feedback still applies. */
  sameExperiment(policy: ExperimentPolicy): boolean {
    return policy.a === this.policy.a && policy.b === this.policy.b && policy.metric === this.policy.metric;
  }

  assign(requestId: string, arm: Arm): void {
    if (this.assignments.size >= MAX_ASSIGNMENTS) {
      const oldest = this.assignments.keys().next().value as string;
      this.assignments.delete(oldest);
    }
    this.assignments.set(requestId, arm);
  }

  /** Whether a request id is awaiting feedback here. */
  has(requestId: string): boolean {
    return this.assignments.has(requestId);
  }

  /** Record one outcome; each request takes one feedback value. */
  feedback(requestId: string, value: unknown): Arm {
    const arm = this.assignments.get(requestId);
    if (!arm) throw new WsinferError('ERR_FEEDBACK_UNMATCHED', `no experiment assignment awaits feedback for request '${requestId}'`);
    let numeric: number;
    if (this.policy.metric === 'binary') {
      if (value !== true && value !== false && value !== 0 && value !== 1) {
        throw new WsinferError('ERR_INPUT_INVALID', 'a binary experiment takes feedback 0/1 or true/false');
      }
      numeric = value === true || value === 1 ? 1 : 0;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new WsinferError('ERR_INPUT_INVALID', 'a continuous experiment takes a finite number as feedback');
      numeric = value;
    }
    this.assignments.delete(requestId);
    this.summaries[arm].add(numeric);
    return arm;
  }

  report(): Record<string, unknown> {
    return {
      a: this.policy.a,
      b: this.policy.b,
      split: this.policy.split,
      started_at: this.startedAt,
      awaiting_feedback: this.assignments.size,
      ...experimentReport({
        metric: this.policy.metric,
        a: { version: this.policy.a, summary: this.summaries.a },
        b: { version: this.policy.b, summary: this.summaries.b },
      }),
    };
  }
}
