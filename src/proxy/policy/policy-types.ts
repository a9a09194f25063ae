/** A rate limit: at most `count` calls `per` window (fixed windows: a minute, an hour, a day, UTC). */
export interface PolicyRate {
  count: number;
  per: 'minute' | 'hour' | 'day';
}

/** An allow-list of values for one input field (Telegram's `chat_id`). */
export interface AllowConstraint {
  kind: 'allow';
  field: string;
  values: string[];
}

/** A path prefix and, optionally, methods (the http plugin's `path` and `method` input fields). */
export interface PathConstraint {
  kind: 'path';
  prefix: string;
  methods?: string[];
}

/** A maximum length of a string input field. */
export interface MaxLengthConstraint {
  kind: 'max_length';
  field: string;
  max: number;
}

/** One constraint on the input of an action, typed by kind. */
export type PolicyConstraint = AllowConstraint | PathConstraint | MaxLengthConstraint;

/** The kinds of constraint an action can support. */
export type ConstraintKind = PolicyConstraint['kind'];

/** The policy of one action (or of every action of one scope) under a grant. */
export interface ActionPolicy {
  rate?: PolicyRate;
  constraints?: PolicyConstraint[];
  /**
   * Ask the person each time. Stored and returned by enforcement as `approvalRequired`; the passkey approval flow
   * that would act on it is a later slice.
   */
  ask?: boolean;
}

/** A grant's policy: per qualified action (`telegram.send_message`) or per scope (`telegram.send`). */
export interface GrantPolicy {
  actions: Record<string, ActionPolicy>;
}

/** What an action descriptor declares about policy: its defaults and the constraint kinds it supports. */
export interface ActionPolicySupport {
  /** Applied under every grant, intersected with the grant's own. */
  defaults?: ActionPolicy;
  /** The constraint kinds a grant may set on this action (with the fields they may name, for `allow`/`max_length`). */
  constraints?: { kind: ConstraintKind; field?: string }[];
}
