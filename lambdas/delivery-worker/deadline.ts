import type { DestinationSender, HttpSender, TokenSource } from '../shared/domain/ports';

/**
 * How much of an invocation is kept back from the attempts, so that an attempt cut short by
 * the invocation's end is still recorded (an update, perhaps a retry scheduled, an endpoint's
 * health, each with the SDK's own retries): 10 s of the worker's 60, a fifth of a shorter one.
 */
const RECORD_RESERVE = { maxMs: 10_000, share: 0.2 };
/** How much is kept back from every message, so the invocation answers its batch before Lambda ends it. */
const ANSWER_RESERVE = { maxMs: 2_000, share: 0.05 };

/** A message the invocation gave up on before its end: reported alone as a batch item failure, it comes back. */
export class Unfinished extends Error {
  constructor(ms: number) {
    super(`the message did not finish within the ${ms} ms the invocation had left for it`);
    this.name = 'Unfinished';
  }
}

export interface InvocationDeadline {
  /** The epoch millisecond by which every attempt must have settled. */
  readonly attemptsEndAt: number;
  /** The sender, each of whose attempts settles by `attemptsEndAt` whatever its own timeout. */
  bound(http: HttpSender): HttpSender;
  /** The AWS destinations' writer, bound the same way. */
  boundDestinations(destinations: DestinationSender): DestinationSender;
  /** The OAuth token source, whose token requests settle by `attemptsEndAt` too. */
  boundTokens(tokens: TokenSource): TokenSource;
  /** `work`, or an `Unfinished` rejection once the invocation must answer without it. */
  finish<T>(work: Promise<T>): Promise<T>;
}

/**
 * The deadlines of one invocation, from the time Lambda says it has left: attempts end first,
 * then messages. A message that hangs on anything (a receiver, a store) is the only one to
 * come back: the others of its batch, done, are deleted, instead of all of them returning
 * after the invocation's timeout to be sent again.
 */
export const invocationDeadline = (remainingMs: number, now: () => number = Date.now): InvocationDeadline => {
  const started = now();
  const reserve = (r: { maxMs: number; share: number }) => Math.min(r.maxMs, Math.floor(remainingMs * r.share));
  const attemptsEndAt = started + remainingMs - reserve(RECORD_RESERVE);
  const answerAt = started + remainingMs - reserve(ANSWER_RESERVE);
  return {
    attemptsEndAt,
    bound: (http) => ({ post: (url, headers, body, options) => http.post(url, headers, body, { ...options, notAfterMs: Math.min(options?.notAfterMs ?? Infinity, attemptsEndAt) }) }),
    boundDestinations: (destinations) => ({
      send: (d, m, ctx, options) => destinations.send(d, m, ctx, { ...options, notAfterMs: Math.min(options?.notAfterMs ?? Infinity, attemptsEndAt) }),
      check: (d, ctx, test) => destinations.check(d, ctx, test),
    }),
    boundTokens: (tokens) => ({ token: (request, options) => tokens.token(request, { ...options, notAfterMs: Math.min(options?.notAfterMs ?? Infinity, attemptsEndAt) }) }),
    finish: <T>(work: Promise<T>) => {
      const ms = Math.max(0, answerAt - now());
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Unfinished(ms)), ms)));
      return Promise.race([work, cut]).finally(() => clearTimeout(timer));
    },
  };
};
