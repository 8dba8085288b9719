/**
 * The processor-wide bound on CEP state: one budget shared by every pattern rule of every
 * partition in the process, measured in the bytes of buffered events plus a fixed cost per
 * partial match (state.ts `stateBytes`). A rule's runner holds an account and moves it as its
 * keys' states grow and shrink; when the total is over the limit, the key being processed gives
 * up its oldest partial matches (engine.ts `shrinkTo`), counted and marked like any eviction.
 *
 * An account is released when its runner is garbage-collected (a revoked partition, a replaced
 * rule), which is also when its state's memory is: the budget tracks memory in use without every
 * owner having to be closed explicitly.
 */
export interface StateBudget {
  readonly limitBytes: number;
  usedBytes(): number;
  account(): BudgetAccount;
}

export interface BudgetAccount {
  /** Adds (or, negative, removes) bytes; returns whether the whole budget is now over its limit. */
  add(bytes: number): boolean;
  /** Bytes the other accounts use: what this one may grow to is the limit minus these. */
  others(): number;
  held(): number;
}

export function createStateBudget(limitBytes: number): StateBudget {
  let used = 0;
  // The registry holds the account's byte count apart from the account, so it outlives it.
  const released = new FinalizationRegistry<{ bytes: number }>((share) => {
    used -= share.bytes;
  });
  return {
    limitBytes,
    usedBytes: () => used,
    account() {
      const share = { bytes: 0 };
      const account: BudgetAccount = {
        add(bytes) {
          share.bytes += bytes;
          used += bytes;
          return used > limitBytes;
        },
        others: () => used - share.bytes,
        held: () => share.bytes,
      };
      released.register(account, share);
      return account;
    },
  };
}

/** The processor's defaults (FG_PROCESSOR_CEP_*, processor/config.ts), also used by engines built without settings. */
export const CEP_DEFAULTS = {
  maxPartialMatches: 1_000,
  maxEvents: 5_000,
  budgetBytes: 256 * 1024 * 1024,
} as const;

let shared: StateBudget | null = null;

/** The one budget of a process whose engines were given none (tests, benchmarks, tools): the default limit. */
export function defaultBudget(): StateBudget {
  shared ??= createStateBudget(CEP_DEFAULTS.budgetBytes);
  return shared;
}
